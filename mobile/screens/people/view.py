from mobile.ui.base import BaseScreen


class PeopleScreen(BaseScreen):
    """People in my area: the count against the limit on a coloured band, then the names."""
