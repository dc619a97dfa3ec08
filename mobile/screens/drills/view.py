from typing import Any

from kivy.factory import Factory

from mobile.ui.base import BaseScreen


class DrillsScreen(BaseScreen):
    """My drills: one card a drill (task, result)."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(cards=lambda _m, cards: self.fill(cards))

    def fill(self, cards: list[dict[str, Any]]) -> None:
        box = self.ids.cards
        box.clear_widgets()
        for entry in cards:
            widget = Factory.DrillCard()
            widget.item_id, widget.title = entry["item_id"], entry["title"]
            widget.task, widget.result = entry["task"], entry["result"]
            box.add_widget(widget)
