"""What the training screen shows; written by the controller on the UI thread only."""

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.ui.base import BaseModel


class TrainingModel(BaseModel):
    mode = StringProperty("list")        # list | course | lesson | intro | exam | confirm | result | mentor | assign
    title = StringProperty("")
    summary = StringProperty("")         # hours toward induction / retraining, flags
    rows = ListProperty([])              # RowList data (HazardRow: line1-3, alert, item_id, controller)
    body = StringProperty("")            # lesson text, or the result's headline
    image_url = StringProperty("")       # an IMAGE lesson's picture
    # the exam in progress
    countdown = StringProperty("")
    urgent = BooleanProperty(False)      # under a minute left
    position = StringProperty("")        # "3 / 10"
    question = StringProperty("")
    options = ListProperty([])           # OptionRow data: text, index, picked, controller
    sync = StringProperty("")            # "all answers saved" / "2 answers waiting to be sent"
    offline = BooleanProperty(False)
    is_mentor = BooleanProperty(False)
    # assigning (mentor)
    people = ListProperty([])
    courses = ListProperty([])
    days = StringProperty("7")
    lesson_rule = StringProperty("")     # "this lesson counts after 20 minutes"
    intro_action = StringProperty("")    # "Start the exam" / "Continue the exam"
    intro_open = BooleanProperty(True)   # attempts left (or one running)
    may_assess = BooleanProperty(False)  # the apprentice's second assessment is due
    assess_text = StringProperty("")
