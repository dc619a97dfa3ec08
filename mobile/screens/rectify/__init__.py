"""Submit a rectification: a note and after-photos, through the outbox."""

from mobile.screens.rectify.controller import RectifyController
from mobile.screens.rectify.model import RectifyModel
from mobile.screens.rectify.view import RectifyScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="rectify", view=RectifyScreen, controller=RectifyController, model=RectifyModel,
                    title="rectify.title")
