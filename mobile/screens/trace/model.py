from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class TraceModel(BaseModel):
    hazard_id = StringProperty("")
    entries = ListProperty([])   # [{"when", "what", "why"}]
    empty_text = StringProperty("")
