"""First-run (and later: change) the server address."""

from mobile.screens.server.controller import ServerController
from mobile.screens.server.model import ServerModel
from mobile.screens.server.view import ServerScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="server", view=ServerScreen, controller=ServerController, model=ServerModel,
                    title="server.title", requires_login=False)
