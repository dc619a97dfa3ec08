from typing import Any

from mobile.screens.duties.view import DutyCards
from mobile.ui.base import BaseScreen


class DutyListsScreen(BaseScreen):
    """A unit picker, the unit's lists as cards (tap: what changed from the previous version)."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(cards=lambda _m, cards: DutyCards.fill(self.ids.cards, cards, self.controller.select))
