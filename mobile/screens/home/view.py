from typing import Any

from kivy.factory import Factory

from mobile.ui.base import BaseScreen


class HomeScreen(BaseScreen):
    """Menu of big buttons, rebuilt when the model's entries change."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(entries=self._rebuild)

    def _rebuild(self, _model: Any, entries: list[dict[str, str]]) -> None:
        menu = self.ids.menu
        menu.clear_widgets()
        for entry in entries:
            button = Factory.BigButton(text=entry["text"])
            button.screen_name = entry["name"]
            button.bind(on_release=lambda b: self.controller.open(b.screen_name))
            menu.add_widget(button)
