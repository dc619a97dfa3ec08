"""Raise an alert by hand (area, severity, title, detail) through the on-device outbox."""

from mobile.screens.raise_alert.controller import RaiseAlertController
from mobile.screens.raise_alert.model import RaiseAlertModel
from mobile.screens.raise_alert.view import RaiseAlertScreen
from mobile.ui.registry import MenuGroup, ScreenSpec

SCREEN = ScreenSpec(name="raise_alert", view=RaiseAlertScreen, controller=RaiseAlertController,
                    model=RaiseAlertModel, title="raise_alert.title", menu_title="raise_alert.menu", menu=True,
                    menu_order=16, menu_group=MenuGroup.URGENT)
