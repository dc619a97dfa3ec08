"""What "people in my area" shows; written by the controller on the UI thread only."""

from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class PeopleModel(BaseModel):
    area = StringProperty("")              # the area's name
    count = StringProperty("")             # "3 / 4 people · over the limit"
    colour = ListProperty([0.25, 0.3, 0.38, 1])
    names = StringProperty("")             # one line a person
    empty_text = StringProperty("")
