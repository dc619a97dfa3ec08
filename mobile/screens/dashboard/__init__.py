"""Managers (issue 15): KPI tiles with trend lines, the assessment ranking, overdue by area; each figure drills down
to the hazards behind it (screen kpi_hazards) and from there to a hazard's traceability."""

from contracts.roles import Role
from mobile.screens.dashboard.controller import DashboardController
from mobile.screens.dashboard.model import DashboardModel
from mobile.screens.dashboard.view import DashboardScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="dashboard", view=DashboardScreen, controller=DashboardController, model=DashboardModel,
                    title="dashboard.title", menu_title="dashboard.menu", menu=True, menu_order=55,
                    menu_group=MenuGroup.MANAGE,
                    roles=frozenset({Role.AREA_MANAGER, Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN}))
