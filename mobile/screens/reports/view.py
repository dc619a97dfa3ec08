from mobile.ui.base import BaseScreen


class ReportsScreen(BaseScreen):
    """The reports, as the app's usual rows, and a button that makes this month's PDF."""
