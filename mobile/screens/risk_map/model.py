from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class RiskMapModel(BaseModel):
    boxes = ListProperty([])        # [logic.Box]
    legend = StringProperty("")
    area_title = StringProperty("")
    points = ListProperty([])       # [{"item_id", "title", "line2"}]
    selected = StringProperty("")
