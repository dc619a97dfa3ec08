from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.ui.base import BaseModel


class PermitModel(BaseModel):
    permit_id = StringProperty("")
    title = StringProperty("")
    state = StringProperty("")
    state_text = StringProperty("")
    stopped = BooleanProperty(False)
    gas_text = StringProperty("")
    gas_stale = BooleanProperty(False)
    facts = StringProperty("")
    reasons = StringProperty("")
    description = StringProperty("")
    actions = ListProperty([])   # [{"step", "role", "text"}]
