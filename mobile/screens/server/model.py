from kivy.properties import StringProperty

from mobile.ui.base import BaseModel


class ServerModel(BaseModel):
    address = StringProperty("")
