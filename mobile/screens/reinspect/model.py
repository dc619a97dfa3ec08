from kivy.properties import ListProperty, StringProperty

from mobile.ui.hazard_list import HazardListModel


class ReinspectModel(HazardListModel):
    hazard_id = StringProperty("")
    headline = StringProperty("")
    facts = StringProperty("")
    thumbs = ListProperty([])
    full_photos = ListProperty([])
    photo_labels = ListProperty([])
