from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from mobile.ui.base import BaseModel


class HomeModel(BaseModel):
    greeting = StringProperty("")
    outbox_text = StringProperty("")
    pending = NumericProperty(0)
    entries = ListProperty([])   # [{"name": screen name, "text": label, "alert": highlight}]
    alerts_unacked = NumericProperty(0)
    alerts_more = BooleanProperty(False)     # more unacknowledged alerts than counted
    queues_text = StringProperty("")        # what waits for me: to triage, to re-inspect, …
