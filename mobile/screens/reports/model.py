from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class ReportsModel(BaseModel):
    rows = ListProperty([])       # RowList data (HazardRow: line1-3, item_id, controller)
    empty_text = StringProperty("")
    opened = StringProperty("")   # the last URL handed to the browser
