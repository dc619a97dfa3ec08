"""Sign in."""

from mobile.screens.login.controller import LoginController
from mobile.screens.login.model import LoginModel
from mobile.screens.login.view import LoginScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="login", view=LoginScreen, controller=LoginController, model=LoginModel,
                    title="login.title", requires_login=False)
