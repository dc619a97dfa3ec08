from kivy.properties import ListProperty, NumericProperty, StringProperty

from mobile.ui.base import BaseModel


class PermitApplyModel(BaseModel):
    kind_names = ListProperty([])
    grade_names = ListProperty([])
    area_names = ListProperty([])
    people_names = ListProperty([])
    kind = StringProperty("")
    grade = StringProperty("")
    max_hours = NumericProperty(8)
    crew_text = StringProperty("")
    measures_text = StringProperty("")
