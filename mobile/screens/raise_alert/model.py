"""What the manual-alert form shows; written by the controller on the UI thread only."""

from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class RaiseAlertModel(BaseModel):
    area_names = ListProperty([])      # spinner values: "whole mine" (officers and managers), then areas
    area_name = StringProperty("")
    severity = StringProperty("WARNING")
    scope_text = StringProperty("")    # for miners: "for your own area"
    title = StringProperty("")         # the draft, bound both ways to the text fields (cleared for another user)
    detail = StringProperty("")
