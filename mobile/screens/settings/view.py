from mobile.ui.base import BaseScreen


class SettingsScreen(BaseScreen):
    """Settings (layout in view.kv)."""
