"""All hazards of the mine (officers and managers), newest first."""

from mobile.api.models import Role
from mobile.screens.hazards.controller import HazardsController
from mobile.ui.base import BaseScreen
from mobile.ui.hazard_list import HazardListModel
from mobile.ui.registry import ScreenSpec


class HazardsScreen(BaseScreen):
    """Layout in view.kv."""


SCREEN = ScreenSpec(name="hazards", view=HazardsScreen, controller=HazardsController, model=HazardListModel,
                    title="hazards.title", menu_title="hazards.menu", menu=True, menu_order=50,
                    roles=frozenset({Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN}))
