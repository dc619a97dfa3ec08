"""My reports: the hazards I reported — state, who has it, deadline, the closing photo; told when one moves."""

from mobile.screens.myreports.controller import MyReportsController
from mobile.ui.base import BaseScreen
from mobile.ui.hazard_list import HazardListModel
from mobile.ui.registry import ScreenSpec


class MyReportsScreen(BaseScreen):
    """Layout in view.kv."""


SCREEN = ScreenSpec(name="myreports", view=MyReportsScreen, controller=MyReportsController, model=HazardListModel,
                    title="myreports.title", menu_title="myreports.menu", menu=True, menu_order=15)
