"""The alerts list: layout in view.kv (AlertRow is the row)."""

from mobile.ui.base import BaseScreen


class AlertsScreen(BaseScreen):
    """Layout in view.kv."""
