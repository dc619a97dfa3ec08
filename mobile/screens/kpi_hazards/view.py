from mobile.ui.base import BaseScreen


class KpiHazardsScreen(BaseScreen):
    """The hazards behind a figure, as the app's usual hazard rows."""
