from kivy.properties import StringProperty

from mobile.ui.base import BaseModel


class LoginModel(BaseModel):
    server = StringProperty("")
    username = StringProperty("")
