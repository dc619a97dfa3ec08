from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.ui.hazard_list import HazardListModel


class TriageModel(HazardListModel):
    hazard_id = StringProperty("")      # empty: the queue is shown; else the form for this hazard
    headline = StringProperty("")
    grade = StringProperty("GENERAL")
    level = StringProperty("B")
    people = ListProperty([])           # spinner values (display names)
    responsible = StringProperty("")
    days = StringProperty("")          # empty: the server's default deadline
    facts = StringProperty("")
    thumbs = ListProperty([])
    full_photos = ListProperty([])
    photo_labels = ListProperty([])
    levels = ListProperty(["A", "B", "C"])     # the levels the server lets this person triage at
    may_major = BooleanProperty(True)
    may_dismiss = BooleanProperty(True)
    teams = ListProperty([])           # the hazard's area's teams (names)
    team = StringProperty("")
