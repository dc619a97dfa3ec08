from kivy.properties import ListProperty, NumericProperty, StringProperty

from mobile.ui.base import BaseModel


class HomeModel(BaseModel):
    greeting = StringProperty("")
    outbox_text = StringProperty("")
    pending = NumericProperty(0)
    entries = ListProperty([])   # [{"name": screen name, "text": label}]
