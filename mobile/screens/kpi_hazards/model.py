from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class KpiHazardsModel(BaseModel):
    title = StringProperty("")
    rows = ListProperty([])      # RowList data (HazardRow)
    empty_text = StringProperty("")
