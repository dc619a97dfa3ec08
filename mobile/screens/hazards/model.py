from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.ui.hazard_list import HazardListModel


class HazardsModel(HazardListModel):
    state_names = ListProperty([])     # spinner values: "any state" first
    grade_names = ListProperty([])
    area_names = ListProperty([])
    filter_state = StringProperty("")  # the server's values ("" = any)
    filter_grade = StringProperty("")
    filter_area = StringProperty("")
    filter_overdue = BooleanProperty(False)
    filter_text = StringProperty("")
