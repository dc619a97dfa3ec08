from typing import Any

from kivy.factory import Factory

from mobile.ui.base import BaseScreen


class DutyCards:
    """Fills a box with one DutyCard a list."""

    @staticmethod
    def fill(box: Any, cards: list[dict[str, Any]], on_select: Any = None) -> None:
        box.clear_widgets()
        for entry in cards:
            widget = Factory.DutyCard()
            widget.title, widget.duties, widget.facts = entry["title"], entry["duties"], entry["facts"]
            widget.item_id = entry["item_id"]
            if on_select is not None:
                widget.bind(on_release=lambda w: on_select(w.item_id))
            box.add_widget(widget)


class DutiesScreen(BaseScreen):
    """My duties: one card a list."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(cards=lambda _m, cards: DutyCards.fill(self.ids.cards, cards))
