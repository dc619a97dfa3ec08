"""One alert: its facts, a vision snapshot or the sensor's curve, and the actions this user may take."""

from mobile.screens.alert.controller import AlertController
from mobile.screens.alert.model import AlertModel
from mobile.screens.alert.view import AlertScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="alert", view=AlertScreen, controller=AlertController, model=AlertModel,
                    title="alert.title")
