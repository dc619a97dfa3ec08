"""My drills: my task in each drill and, once it is scored, how the response went."""

from __future__ import annotations

from typing import Any

from mobile.api.drills import DrillsApi, MyDrill
from mobile.screens.drills.logic import card
from mobile.screens.drills.model import DrillsModel
from mobile.ui.base import BaseController


class DrillsController(BaseController):
    model: DrillsModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = DrillsApi(self.ctx.client)

    def on_enter(self, **params: Any) -> None:
        self.reload()

    def reload(self) -> None:
        self.call(self.api.my_drills, self.show)

    def show(self, drills: list[MyDrill]) -> None:
        running_first = sorted(drills, key=lambda d: d.state != "RUNNING")
        self.model.cards = [card(d, self.t) for d in running_first]
        self.model.empty_text = "" if drills else self.t("drills.empty")
