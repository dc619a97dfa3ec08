from typing import Any

from kivy.factory import Factory

from mobile.ui.base import BaseScreen


class HazardScreen(BaseScreen):
    """Hazard facts and one big button per allowed action."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(actions=self._rebuild)

    def _rebuild(self, _model: Any, actions: list[dict[str, str]]) -> None:
        box = self.ids.actions
        box.clear_widgets()
        for entry in actions:
            button = Factory.BigButton(text=entry["text"])
            button.action = entry["action"]
            button.bind(on_release=lambda b: self.controller.act(b.action))
            box.add_widget(button)
