from typing import Any

from kivy.factory import Factory
from kivy.metrics import dp

from mobile.ui.base import BaseScreen


class PermitScreen(BaseScreen):
    """The guardian's view; one button a step the person may take."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(actions=lambda _m, actions: self.fill(actions))

    def fill(self, actions: list[dict[str, str]]) -> None:
        box = self.ids.actions
        box.clear_widgets()
        for action in actions:
            kind = {"suspend": "DangerButton", "approve": "GoodButton", "start": "GoodButton",
                    "resume": "GoodButton"}.get(action["step"], "BigButton")
            button = getattr(Factory, kind)(text=action["text"])
            button.bind(on_release=lambda _b, a=action: self.controller.take(
                a["step"], a["role"], self.ids.reason.text))
            box.add_widget(button)
        stoppable = any(a["step"] == "suspend" for a in actions)
        self.ids.reason.opacity, self.ids.reason.height = (1, dp(64)) if stoppable else (0, 0)
