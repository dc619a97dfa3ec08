from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class DrillsModel(BaseModel):
    cards = ListProperty([])   # [{"item_id", "title", "task", "result"}]
    empty_text = StringProperty("")
