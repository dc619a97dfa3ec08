"""Managers: the mine's reports (monthly PDF, lists as XLSX/CSV), newest first; a tap opens its signed URL."""

from contracts.roles import Role
from mobile.screens.reports.controller import ReportsController
from mobile.screens.reports.model import ReportsModel
from mobile.screens.reports.view import ReportsScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="reports", view=ReportsScreen, controller=ReportsController, model=ReportsModel,
                    title="reports.title", menu_title="reports.menu", menu=True, menu_order=56,
                    menu_group=MenuGroup.MANAGE,
                    roles=frozenset({Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN}))
