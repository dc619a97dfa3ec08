from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class RectifyModel(BaseModel):
    hazard_id = StringProperty("")
    headline = StringProperty("")
    photos = ListProperty([])
    photos_text = StringProperty("")
