from mobile.ui.base import BaseScreen


class OutboxScreen(BaseScreen):
    """Outbox list (layout in view.kv)."""
