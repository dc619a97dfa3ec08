from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.ui.base import BaseModel


class HazardModel(BaseModel):
    hazard_id = StringProperty("")
    headline = StringProperty("")
    facts = StringProperty("")
    deadline = StringProperty("")
    overdue = BooleanProperty(False)
    actions = ListProperty([])      # [{"action": name, "text": label}]
