from typing import Any

from mobile.ui.base import BaseScreen
from mobile.ui.widgets import fill_buttons


class HomeScreen(BaseScreen):
    """Menu of big buttons, rebuilt when the model's entries change (alerts waiting: a red button)."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(entries=self._rebuild)

    def _rebuild(self, _model: Any, entries: list[dict[str, Any]]) -> None:
        styles = {e["name"]: "DangerButton" for e in entries if e.get("alert")}
        fill_buttons(self.ids.menu, entries, self.controller.open, key="name", styles=styles)
