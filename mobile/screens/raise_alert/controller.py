"""Raise an alert by hand: validated at once, queued in the outbox at once (a client id made here, so a
retry never raises it twice), sent by the outbox worker when the network allows."""

from __future__ import annotations

from typing import Any

from contracts.alerts import AlertSeverity
from mobile.api.models import Area
from mobile.outbox.store import ItemKind
from mobile.screens.alerts import logic
from mobile.screens.raise_alert.model import RaiseAlertModel
from mobile.ui.areas import cached_areas, remember_areas
from mobile.ui.base import BaseController

MAX_TITLE = 200         # the server's limits (backend alerts: title 200, detail 4000)
MAX_DETAIL = 4000


class RaiseAlertController(BaseController):
    model: RaiseAlertModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.areas: list[Area] = []
        self.draft_owner: str | None = None

    def on_enter(self, **params: Any) -> None:
        self.model.error = ""
        self.model.notice = ""
        user = self.ctx.sessions.user
        if user is not None and user.id != self.draft_owner:      # another person signed in: not their draft
            self.draft_owner = user.id
            self.clear()
        self._set_areas(cached_areas(self.ctx.store))
        self.ctx.runner.submit(self.ctx.api.areas, self._areas_loaded, self._areas_failed)

    def _areas_loaded(self, areas: list[Area]) -> None:
        remember_areas(self.ctx.store, areas)
        self._set_areas(areas)

    def _areas_failed(self, error: Exception) -> None:
        if not self.areas:                      # offline with no areas cached: say why the list is empty
            self.model.error = self.describe(error)

    def choices(self) -> list[tuple[str, str | None]]:
        """(name, area id) the user may raise an alert for: officers and managers the whole mine or any area,
        everyone else their own area (the server refuses the rest)."""
        user = self.ctx.sessions.user
        if user is None:
            return []
        if logic.sees_all(user):
            return [(self.t("alerts.mine_wide"), None), *((a.name, a.id) for a in self.areas)]
        return [(a.name, a.id) for a in self.areas if a.id == user.area_id]

    def _set_areas(self, areas: list[Area]) -> None:
        self.areas = list(areas)
        user = self.ctx.sessions.user
        choices = self.choices()
        self.model.area_names = [name for name, _ in choices]
        staff = logic.sees_all(user)
        self.model.scope_text = "" if staff else self.t("raise_alert.own_area_only")
        if self.model.area_name not in self.model.area_names:
            own = next((name for name, area_id in choices if user and area_id == user.area_id), None)
            self.model.area_name = own or (choices[0][0] if choices and not staff else "")

    def clear(self) -> None:
        self.model.title = self.model.detail = self.model.area_name = ""
        self.model.severity = "WARNING"

    def set_severity(self, severity: str) -> None:
        self.model.severity = AlertSeverity(severity).value

    def submit(self, *, area_name: str, title: str, detail: str) -> bool:
        """Validate and queue; True when the alert is in the outbox."""
        user = self.ctx.sessions.user
        if user is None:
            self.ctx.navigate("login")
            return False
        choice = next((c for c in self.choices() if c[0] == area_name), None)
        if choice is None:
            self.model.error = self.t("raise_alert.need_area")
            return False
        title, detail = title.strip(), detail.strip()
        if not title:
            self.model.error = self.t("raise_alert.need_title")
            return False
        if len(title) > MAX_TITLE or len(detail) > MAX_DETAIL:
            self.model.error = self.t("raise_alert.too_long", title=MAX_TITLE, detail=MAX_DETAIL)
            return False
        severity = AlertSeverity(self.model.severity)
        self.ctx.outbox.add(
            kind=ItemKind.RAISE_ALERT, owner_id=user.id, photos=[],
            title=f"{self.t(f'alerts.severity.{severity.value}')} · {choice[0]}: {title[:60]}",
            payload={"areaId": choice[1], "severity": severity.value, "title": title, "detail": detail})
        if self.ctx.worker is not None:
            self.ctx.worker.wake()
        self.model.error = ""
        self.clear()
        self.ctx.navigate("outbox")
        return True
