"""The outbox list; tapping a queued item sends it now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mobile.outbox.store import ItemState, OutboxItem
from mobile.screens.outbox.model import OutboxModel
from mobile.ui.base import BaseController
from mobile.ui.format import local_time


class OutboxController(BaseController):
    model: OutboxModel

    def on_enter(self, **params: Any) -> None:
        self.model.detail = ""
        self.refresh()

    def on_outbox_changed(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        user = self.ctx.sessions.user
        if user is None:
            self.model.rows = []
            return
        self.model.rows = [self.row(item) for item in self.ctx.outbox.items(owner_id=user.id)]

    def state_text(self, item: OutboxItem) -> str:
        if item.state is ItemState.REJECTED:
            return self.t("outbox.state.rejected", reason=item.reject_reason or "")
        return self.t(f"outbox.state.{item.state.value}")

    def error_text(self, error: str) -> str:
        """The row's short reason: no connection / a server problem in words (the full text shows on tap)."""
        kind = error.split(":", 1)[0]
        return self.t(f"outbox.error.{kind}") if kind in ("TransportError", "Unavailable") else error

    def row(self, item: OutboxItem) -> dict[str, Any]:
        when = local_time(datetime.fromtimestamp(item.created_at, UTC))
        status = self.state_text(item)
        if item.state is ItemState.QUEUED and item.last_error:
            status = f"{status} · {self.t('outbox.attempts', n=item.attempts, error=self.error_text(item.last_error))}"
        return {"item_id": item.client_id, "controller": self, "line1": item.title,
                "line2": f"{self.t(f'outbox.kind.{item.kind.value}')} · {when}",
                "line3": status, "alert": item.state is ItemState.REJECTED}

    def select(self, client_id: str) -> None:
        """Tap: a queued item is sent now; any item shows its full state text above the list."""
        item = self.ctx.outbox.get(client_id)
        if item is None:
            return
        self.model.detail = f"{item.title}\n{self.state_text(item)}"
        if item.state is ItemState.QUEUED and item.last_error:
            self.model.detail += "\n" + self.t("outbox.attempts", n=item.attempts, error=item.last_error)
        self.ctx.outbox.retry_now(client_id)
        if self.ctx.worker is not None:
            self.ctx.worker.wake()
        self.refresh()

    def send_all(self) -> None:
        self.ctx.outbox.wake_all()
        if self.ctx.worker is not None:
            self.ctx.worker.wake()
        self.refresh()

