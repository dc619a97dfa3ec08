from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.ui.base import BaseModel


class HazardModel(BaseModel):
    hazard_id = StringProperty("")
    headline = StringProperty("")
    facts = StringProperty("")
    deadline = StringProperty("")
    overdue = BooleanProperty(False)
    actions = ListProperty([])      # [{"action": name, "text": label}]
    thumbs = ListProperty([])       # thumbnail URLs: the report's photos, then the after-photos
    full_photos = ListProperty([])  # the full photos, by position
    photo_labels = ListProperty([])  # before / after, by position
