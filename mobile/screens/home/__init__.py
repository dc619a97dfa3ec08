"""Home: the menu of the screens this user may open, the outbox badge."""

from mobile.screens.home.controller import HomeController
from mobile.screens.home.model import HomeModel
from mobile.screens.home.view import HomeScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="home", view=HomeScreen, controller=HomeController, model=HomeModel, title="app.name")
