"""Home: which screens the signed-in user may open (from the registry and their roles)."""

from __future__ import annotations

from typing import Any

from mobile.outbox.store import ItemState
from mobile.screens.home.model import HomeModel
from mobile.ui.base import BaseController
from mobile.ui.registry import menu_for


class HomeController(BaseController):
    model: HomeModel

    def on_enter(self, **params: Any) -> None:
        user = self.ctx.sessions.user
        if user is None:
            self.ctx.navigate("login", reset=True)
            return
        self.model.greeting = self.t("home.title", name=user.display_name or user.username)
        specs = self.ctx.extras.get("screens", [])
        self.model.entries = [{"name": s.name, "text": self.t(s.menu_title or s.title)}
                              for s in menu_for(specs, user)]
        self.on_outbox_changed()

    def on_outbox_changed(self) -> None:
        user = self.ctx.sessions.user
        if user is None:
            return
        counts = self.ctx.outbox.counts(owner_id=user.id)
        self.model.pending = counts[ItemState.QUEUED] + counts[ItemState.SENDING]
        self.model.outbox_text = (self.t("home.outbox_badge", n=self.model.pending) if self.model.pending
                                  else self.t("home.outbox_clear"))

    def open(self, name: str) -> None:
        self.ctx.navigate(name)
