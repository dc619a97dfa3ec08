from typing import Any

from kivy.factory import Factory

from mobile.ui.base import BaseScreen


class TraceScreen(BaseScreen):
    """A vertical timeline: one card an audit entry."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(entries=self._rebuild)

    def _rebuild(self, _model: Any, entries: list[dict[str, str]]) -> None:
        box = self.ids.timeline
        box.clear_widgets()
        for entry in entries:
            card = Factory.TraceCard()
            card.when, card.what, card.why = entry["when"], entry["what"], entry["why"]
            box.add_widget(card)
