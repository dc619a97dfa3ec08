"""What the alert detail shows; written by the controller on the UI thread only."""

from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty

from mobile.ui.base import BaseModel


class AlertModel(BaseModel):
    alert_id = StringProperty("")
    banner = StringProperty("")            # "CRITICAL · Unacknowledged"
    colour = ListProperty([0.3, 0.32, 0.36, 1])
    headline = StringProperty("")
    detail = StringProperty("")
    facts = StringProperty("")             # source, area, raise count, times, who acknowledged …
    snapshot = StringProperty("")          # a cached file of a vision alert's snapshot
    snapshot_text = StringProperty("")     # "loading the picture…" / "the picture could not be loaded"
    has_chart = BooleanProperty(False)
    chart_title = StringProperty("")
    chart_points = ListProperty([])        # SensorPoint
    chart_threshold = ObjectProperty(None, allownone=True)
    chart_threshold_label = StringProperty("")
    chart_cut = ObjectProperty(None, allownone=True)     # the power-cut threshold (methane), when it differs
    chart_cut_label = StringProperty("")
    chart_unit = StringProperty("")
    chart_empty = StringProperty("")
    sensors_title = StringProperty("")
    sensors = StringProperty("")           # the area's sensors with their last values, one a line
    note = StringProperty("")              # the optional note of an acknowledgement or resolution
    can_note = BooleanProperty(False)
    actions = ListProperty([])             # [{"action": name, "text": label}]
    evacuation_title = StringProperty("")  # "Evacuation list — areas: …" (alarms and power cuts)
    evacuation_summary = StringProperty("")  # "12 people · 9 safe · 3 not yet"
    evacuation = StringProperty("")        # one line a person, those not yet safe first (live)
