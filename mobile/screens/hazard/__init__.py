"""One hazard: its facts and the actions this user may take on it now."""

from mobile.screens.hazard.controller import HazardController
from mobile.screens.hazard.model import HazardModel
from mobile.screens.hazard.view import HazardScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="hazard", view=HazardScreen, controller=HazardController, model=HazardModel,
                    title="hazard.title")
