"""What the alerts list shows; written by the controller on the UI thread only."""

from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from mobile.ui.base import BaseModel


class AlertsModel(BaseModel):
    rows = ListProperty([])            # AlertRow data (see logic.alert_row)
    live = BooleanProperty(False)      # the alerts subscription is connected
    live_text = StringProperty("")     # "live" / "reconnecting…"
    summary = StringProperty("")       # "3 unacknowledged"
    unacked = NumericProperty(0)
    can_choose_area = BooleanProperty(False)
    area_names = ListProperty([])      # the spinner's values: "all areas", then each area
    area_text = StringProperty("")
    scope_text = StringProperty("")    # for miners: "your area and mine-wide alerts"
    empty_text = StringProperty("")
    has_more = BooleanProperty(False)
