from mobile.ui.base import BaseScreen


class ServerScreen(BaseScreen):
    """Server address form (layout in view.kv)."""
