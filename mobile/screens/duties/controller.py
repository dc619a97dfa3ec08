"""My duties: the published responsibility lists I answer by (my own and my post's)."""

from __future__ import annotations

from typing import Any

from mobile.api.duties import DutiesApi, DutyList
from mobile.screens.duties.logic import card
from mobile.screens.duties.model import DutiesModel
from mobile.ui.base import BaseController


class DutiesController(BaseController):
    model: DutiesModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = DutiesApi(self.ctx.client)

    def on_enter(self, **params: Any) -> None:
        self.reload()

    def reload(self) -> None:
        self.call(self.api.my_duties, self.show)

    def show(self, duties: list[DutyList]) -> None:
        ordered = sorted(duties, key=lambda d: (d.holder_kind != "PERSON", d.holder_name))
        self.model.cards = [card(d, self.t) for d in ordered]
        self.model.empty_text = "" if duties else self.t("duties.empty")
