from kivy.properties import ListProperty, StringProperty

from mobile.ui.hazard_list import HazardListModel


class TriageModel(HazardListModel):
    hazard_id = StringProperty("")      # empty: the queue is shown; else the form for this hazard
    headline = StringProperty("")
    grade = StringProperty("GENERAL")
    level = StringProperty("B")
    people = ListProperty([])           # spinner values (display names)
    responsible = StringProperty("")
    days = StringProperty("3")
