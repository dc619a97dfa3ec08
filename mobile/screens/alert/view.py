"""The alert detail: facts, the snapshot or the sensor curve, and one big button per allowed action."""

from __future__ import annotations

from typing import Any

from mobile.ui import chart  # noqa: F401 - registers SensorChart for view.kv
from mobile.ui.base import BaseScreen
from mobile.ui.widgets import fill_buttons

BUTTONS = {"confirm": "DangerButton", "false_alarm": "QuietButton", "resolve": "GoodButton"}


class AlertScreen(BaseScreen):
    def on_pre_enter(self, *args: Any) -> None:
        self.ids.scroll.scroll_y = 1         # each alert opens at its top
        super().on_pre_enter(*args)

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(actions=lambda _m, actions: fill_buttons(self.ids.actions, actions, self.controller.act,
                                                                styles=BUTTONS))
