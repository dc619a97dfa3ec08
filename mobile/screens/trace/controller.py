"""Traceability timeline: the audit entries of a hazard, oldest first."""

from __future__ import annotations

from typing import Any

from mobile.api.models import HazardEvent, TraceEntry, parse_time
from mobile.i18n import STRINGS
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
        ordered = sorted(entries, key=lambda e: (e.at.timestamp() if e.at else 0.0, e.seq))
        self.model.entries = [{"when": local_time(e.at), "what": self.t(
            "trace.entry", action=self.known("action." + e.action, e.action), actor=e.actor_name,
            role=self.known("role." + e.actor_role.lower(), e.actor_role)), "why": self.details(e)} for e in ordered]
        self.model.empty_text = "" if entries else self.t("trace.empty")

    def known(self, key: str, fallback: str) -> str:
        return self.t(key) if key in STRINGS else fallback

    def value(self, field: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if field in ("state", "grade", "level"):
            return self.known(f"{field}.{value}", str(value))
        if field == "deadline":
            parsed = parse_time(str(value))
            return local_time(parsed) if parsed else str(value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {v}" for k, v in value.items())
        return str(value)

    def details(self, entry: TraceEntry) -> str:
        """Reason, then each changed field as `field: before → after`, then who is responsible now."""
        lines = [self.t("trace.reason", reason=entry.reason)] if entry.reason else []
        for field, before, after in entry.changes():
            label = self.known("field." + field, field)
            lines.append(f"{label}: {self.value(field, before)} → {self.value(field, after)}")
        if entry.responsible:
            lines.append(self.t("hazard.responsible", name=entry.responsible))
        return "\n".join(lines)

    def on_hazard_event(self, event: HazardEvent) -> None:
        if event.hazard is not None and event.hazard.id == self.model.hazard_id:
            self.reload()
