"""Traceability timeline: the audit entries of a hazard, oldest first."""

from __future__ import annotations

from typing import Any

from mobile.api.models import HazardEvent, TraceEntry
from mobile.screens.trace.model import TraceModel
from mobile.ui.base import BaseController
from mobile.ui.format import local_time


class TraceController(BaseController):
    model: TraceModel

    def on_enter(self, **params: Any) -> None:
        self.model.hazard_id = params.get("hazard_id") or self.model.hazard_id
        self.reload()

    def reload(self) -> None:
        hazard_id = self.model.hazard_id
        self.call(lambda: self.ctx.api.traceability(hazard_id), self.show)

    def show(self, entries: list[TraceEntry]) -> None:
        ordered = sorted(entries, key=lambda e: e.at.timestamp() if e.at else 0.0)
        self.model.entries = [{
            "when": local_time(e.at),
            "what": self.t("trace.entry", action=e.action, actor=e.actor_name, role=e.actor_role),
            "why": self.t("trace.reason", reason=e.reason) if e.reason else
            (f"{e.before or ''} → {e.after or ''}" if e.before or e.after else ""),
        } for e in ordered]
        self.model.empty_text = "" if entries else self.t("trace.empty")

    def on_hazard_event(self, event: HazardEvent) -> None:
        if event.hazard is not None and event.hazard.id == self.model.hazard_id:
            self.reload()
