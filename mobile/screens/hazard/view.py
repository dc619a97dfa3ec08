from typing import Any

from mobile.ui.base import BaseScreen
from mobile.ui.widgets import fill_buttons


class HazardScreen(BaseScreen):
    """Hazard facts and one big button per allowed action."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(actions=lambda _m, actions: fill_buttons(self.ids.actions, actions, self.controller.act))
