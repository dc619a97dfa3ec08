from typing import Any

from kivy.factory import Factory

from mobile.ui.base import BaseScreen


class PermitsScreen(BaseScreen):
    """One card a permit; a tap opens it."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(cards=lambda _m, cards: self.fill(cards))

    def fill(self, cards: list[dict[str, Any]]) -> None:
        box = self.ids.cards
        box.clear_widgets()
        for entry in cards:
            widget = Factory.PermitCard()
            widget.item_id, widget.title = entry["item_id"], entry["title"]
            widget.line2, widget.line3, widget.alert = entry["line2"], entry["line3"], entry["alert"]
            widget.bind(on_release=lambda w: self.controller.open(w.item_id))
            box.add_widget(widget)
