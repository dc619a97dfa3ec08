from kivy.properties import StringProperty

from mobile.ui.base import BaseModel


class SettingsModel(BaseModel):
    server = StringProperty("")
    user = StringProperty("")
