"""The four-colour map (四色图): managers and safety officers tap an area to drill down to its risk points."""

from contracts.roles import Role
from mobile.screens.risk_map.controller import RiskMapController
from mobile.screens.risk_map.model import RiskMapModel
from mobile.screens.risk_map.view import RiskMapScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="risk_map", view=RiskMapScreen, controller=RiskMapController, model=RiskMapModel,
                    title="risk_map.title", menu_title="risk_map.menu", menu=True, menu_order=80,
                    menu_group=MenuGroup.MANAGE,
                    roles=frozenset({Role.MINE_MANAGER, Role.AREA_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN}))
