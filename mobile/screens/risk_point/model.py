from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class RiskPointModel(BaseModel):
    title = StringProperty("")
    level_text = StringProperty("")
    level = StringProperty("")
    sections = ListProperty([])     # [{"title", "text"}]
