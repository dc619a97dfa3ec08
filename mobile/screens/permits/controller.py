"""The permits list: what waits for me first, then live work, then the rest."""

from __future__ import annotations

from typing import Any

from mobile.api.permits import Permit, PermitsApi
from mobile.screens.permits.logic import card, order
from mobile.screens.permits.model import PermitsModel
from mobile.ui.base import BaseController


class PermitsController(BaseController):
    model: PermitsModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = PermitsApi(self.ctx.client, lambda: self.ctx.tr.language)

    def on_enter(self, **params: Any) -> None:
        self.reload()

    def reload(self) -> None:
        self.call(self.api.permits, self.show)

    def show(self, permits: list[Permit]) -> None:
        user = self.ctx.sessions.user
        me = user.id if user else None
        self.model.cards = [card(p, self.t, me) for p in order(permits)]
        self.model.empty_text = "" if permits else self.t("permits.empty")

    def open(self, permit_id: str) -> None:
        self.ctx.navigate("permit", permit_id=permit_id)

    def apply(self) -> None:
        self.ctx.navigate("permit_apply")
