"""Settings: language, server address, sign out."""

from mobile.screens.settings.controller import SettingsController
from mobile.screens.settings.model import SettingsModel
from mobile.screens.settings.view import SettingsScreen
from mobile.ui.registry import ScreenSpec

SCREEN = ScreenSpec(name="settings", view=SettingsScreen, controller=SettingsController, model=SettingsModel,
                    title="settings.title")
