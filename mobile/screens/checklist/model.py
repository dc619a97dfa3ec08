from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class ChecklistModel(BaseModel):
    checks = ListProperty([])       # [{"item_id", "title", "line2", "overdue"}]
    check_id = StringProperty("")
    check_title = StringProperty("")
    rows = ListProperty([])         # [{"item_id", "text", "point", "result", "photo"}]
    summary = StringProperty("")
    empty_text = StringProperty("")
