"""Live alerts for my area (issue 4): newest and most severe first, live through the alerts subscription."""

from mobile.screens.alerts.controller import AlertsController
from mobile.screens.alerts.model import AlertsModel
from mobile.screens.alerts.view import AlertsScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="alerts", view=AlertsScreen, controller=AlertsController, model=AlertsModel,
                    title="alerts.title", menu_title="alerts.menu", menu=True, menu_order=15,
                    menu_group=MenuGroup.URGENT)
