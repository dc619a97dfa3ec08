from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class OutboxModel(BaseModel):
    rows = ListProperty([])
    detail = StringProperty("")   # the full text of the item last tapped (e.g. a rejection reason)
