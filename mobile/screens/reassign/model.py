"""What the reassign form shows; written by the controller on the UI thread only."""

from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class ReassignModel(BaseModel):
    hazard_id = StringProperty("")
    headline = StringProperty("")       # the hazard's description · area
    current = StringProperty("")        # "Responsible now: …"
    people = ListProperty([])           # spinner values (display names), the current person left out
    responsible = StringProperty("")    # the chosen display name
    reason = StringProperty("")         # bound both ways to the reason field (cleared for another hazard)
