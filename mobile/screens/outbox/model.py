from kivy.properties import ListProperty

from mobile.ui.base import BaseModel


class OutboxModel(BaseModel):
    rows = ListProperty([])
