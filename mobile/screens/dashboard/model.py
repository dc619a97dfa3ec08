"""What the dashboard shows; written by the controller on the UI thread only."""

from kivy.properties import ListProperty, StringProperty

from mobile.ui.base import BaseModel


class DashboardModel(BaseModel):
    scope = StringProperty("")       # "示范煤矿 · 2026-12 (to 12-04 10:00)"
    tiles = ListProperty([])         # logic.tiles(): code, value, values, status, change, figure, labels
    ranking_title = StringProperty("")
    ranking = ListProperty([])       # logic.ranking_rows()
    overdue = ListProperty([])       # [{"unit_id", "name", "overdue", "days"}]
    month = StringProperty("")       # this month (the tiles) and last month (the ranking)
    ranked_month = StringProperty("")
    unit_kind = StringProperty("MINE")
    unit_id = StringProperty("")
