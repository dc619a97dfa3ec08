"""My work: hazards assigned to me, with deadline and overdue marks."""

from mobile.screens.mywork.controller import MyWorkController
from mobile.ui.base import BaseScreen
from mobile.ui.hazard_list import HazardListModel
from mobile.ui.registry import ScreenSpec


class MyWorkScreen(BaseScreen):
    """Layout in view.kv."""


SCREEN = ScreenSpec(name="mywork", view=MyWorkScreen, controller=MyWorkController, model=HazardListModel,
                    title="mywork.title", menu_title="mywork.menu", menu=True, menu_order=20)
