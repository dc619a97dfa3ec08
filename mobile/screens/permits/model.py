from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class PermitsModel(BaseModel):
    cards = ListProperty([])   # [{"item_id", "title", "line2", "line3", "alert"}]
    empty_text = StringProperty("")
