from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class DutiesModel(BaseModel):
    cards = ListProperty([])   # [{"item_id", "title", "duties", "facts"}]
    empty_text = StringProperty("")
