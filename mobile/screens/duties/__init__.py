"""My duties (我的责任清单): the published responsibility lists a person answers by — everyone."""

from mobile.screens.duties.controller import DutiesController
from mobile.screens.duties.model import DutiesModel
from mobile.screens.duties.view import DutiesScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="duties", view=DutiesScreen, controller=DutiesController, model=DutiesModel,
                    title="duties.title", menu_title="duties.menu", menu=True, menu_order=70)
