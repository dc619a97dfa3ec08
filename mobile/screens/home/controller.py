"""Home: which screens the signed-in user may open (from the registry and their roles)."""

from __future__ import annotations

import logging
from typing import Any

from mobile.api.alerts import AlertCounts, AlertsApi
from mobile.outbox.store import ItemState
from mobile.screens.home.model import HomeModel
from mobile.ui.base import BaseController
from mobile.ui.registry import menu_for

logger = logging.getLogger(__name__)


class HomeController(BaseController):
    model: HomeModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alerts_api = AlertsApi(self.ctx.client)

    def on_enter(self, **params: Any) -> None:
        user = self.ctx.sessions.user
        if user is None:
            self.ctx.navigate("login", reset=True)
            return
        self.model.greeting = self.t("home.title", name=user.display_name or user.username)
        self.model.notice = params.get("notice") or ""     # e.g. what happened to the report just saved
        self.show_menu()
        self.on_outbox_changed()
        self.count_alerts()
        self.count_queues()

    QUEUES = ("to_triage", "to_reinspect", "to_sign_off", "assigned_to_me", "overdue")

    def count_queues(self) -> None:
        """What waits for me (the server counts by each hazard's allowedSteps); quiet when offline."""
        self.ctx.runner.submit(self.ctx.api.queue_counts, self._queues_counted,
                               lambda error: logger.info("queue counts: %s", error))

    def _queues_counted(self, counts: Any) -> None:
        parts = [self.t(f"home.queue.{name}", n=getattr(counts, name)) for name in self.QUEUES
                 if getattr(counts, name)]
        self.model.queues_text = self.t("home.queues", parts=" · ".join(parts)) if parts else ""

    def show_menu(self) -> None:
        """The menu; the alerts entry carries the unacknowledged count and is red while there are any."""
        user = self.ctx.sessions.user
        specs = self.ctx.extras.get("screens", [])
        entries = []
        for spec in menu_for(specs, user):
            entry = {"name": spec.name, "text": self.t(spec.menu_title or spec.title), "alert": False,
                     "group": spec.menu_group.value, "group_title": self.t(f"home.group.{spec.menu_group.value}")}
            if spec.name == "alerts" and self.model.alerts_unacked:
                n = f"{self.model.alerts_unacked}+" if self.model.alerts_more else str(self.model.alerts_unacked)
                entry.update(text=self.t("alerts.menu_badge", n=n), alert=True)
            entries.append(entry)
        self.model.entries = entries

    def count_alerts(self) -> None:
        """The badge: unacknowledged alerts I may see (quietly kept as it was when offline)."""
        if self.ctx.sessions.user is None:
            return
        self.ctx.runner.submit(self.alerts_api.counts, self._counted,
                               lambda error: logger.info("alert count: %s", error))

    def _counted(self, counts: AlertCounts) -> None:
        """The server's count, the same figure as the alerts list's header."""
        self.model.alerts_unacked, self.model.alerts_more = counts.unacknowledged, False
        self.show_menu()

    def on_alert_event(self, event: Any) -> None:
        self.count_alerts()

    def on_alert_status(self, connected: bool) -> None:
        if connected:
            self.count_alerts()

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
