from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class DutyListsModel(BaseModel):
    unit_names = ListProperty([])   # the spinner: every unit, districts first
    unit = StringProperty("")       # the chosen unit's name
    cards = ListProperty([])        # [{"item_id", "title", "duties", "facts"}]
    diff_text = StringProperty("")  # what changed from the previous version of the chosen list
    empty_text = StringProperty("")
