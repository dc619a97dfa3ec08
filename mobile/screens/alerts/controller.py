"""Alerts for my area, live: the list follows the `alerts(areaId)` subscription and reloads after a
reconnect (events missed while the phone was out of coverage are fetched, not lost). The server orders it
(unacknowledged first, however much history there is) and counts it (the header's figure is the server's,
the same as the home badge's); resolved repeats of one source fold into one row."""

from __future__ import annotations

import logging
from typing import Any

from contracts.alerts import AlertEventKind
from mobile.api.alerts import Alert, AlertCounts, AlertEvent, AlertPage, AlertsApi
from mobile.api.models import Area
from mobile.screens.alerts import logic
from mobile.screens.alerts.model import AlertsModel
from mobile.ui.base import BaseController

logger = logging.getLogger(__name__)


class AlertsController(BaseController):
    model: AlertsModel
    page_size = 50

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = AlertsApi(self.ctx.client)
        self.alerts: dict[str, Alert] = {}
        self.areas: list[Area] = []
        self.area_id: str | None = None
        self.end_cursor: str | None = None
        self.counts: AlertCounts | None = None      # the server's count for the chosen area (None: not yet)
        self.visible = False
        self._was_live = False

    # -- showing ------------------------------------------------------------------------------
    def on_enter(self, **params: Any) -> None:
        self.visible = True
        self.model.notice = ""
        user = self.ctx.sessions.user
        staff = logic.sees_all(user)
        self.model.can_choose_area = staff
        self.model.scope_text = "" if staff else self.t("alerts.scope_mine")
        self._area_choices()
        if staff and not self.areas:
            self.ctx.runner.submit(self.ctx.api.areas, self._areas_loaded, lambda e: logger.info("areas: %s", e))
        live = self.ctx.alert_live
        self.on_alert_status(bool(live and live.connected), reload=False)
        self.refresh()

    def on_leave(self) -> None:
        self.visible = False

    def refresh(self) -> None:
        area = self.area_id

        def load() -> tuple[AlertPage, AlertCounts]:
            page = logic.retrying(lambda: self.api.alerts(area_id=area, first=self.page_size, open_first=True))
            return page, logic.retrying(lambda: self.api.counts(area_id=area))

        self.call(load, lambda loaded: self._loaded(loaded[0], counts=loaded[1]))

    def load_more(self) -> None:
        if self.model.has_more and self.end_cursor:
            area, cursor = self.area_id, self.end_cursor
            self.call(lambda: self.api.alerts(area_id=area, first=self.page_size, after=cursor, open_first=True),
                      lambda page: self._loaded(page, append=True))

    def _loaded(self, page: AlertPage, *, append: bool = False, counts: AlertCounts | None = None) -> None:
        if not append:
            self.alerts = {}
        for alert in page.alerts:
            self.alerts[alert.id] = alert
        if counts is not None:
            self.counts = counts
        self.end_cursor = page.end_cursor
        self.model.has_more = page.has_next_page
        self.render()

    def _recount(self) -> None:
        area = self.area_id

        def counted(counts: AlertCounts) -> None:
            if area == self.area_id:
                self.counts = counts
                self.render()

        self.ctx.runner.submit(lambda: self.api.counts(area_id=area), counted,
                               lambda error: logger.info("alert count: %s", error))

    def shown(self) -> list[Alert]:
        """The alerts on screen, in order: visible to me, in the chosen area."""
        user = self.ctx.sessions.user
        return logic.ordered(a for a in self.alerts.values()
                             if logic.visible_to(a, user) and logic.in_area(a, self.area_id))

    def render(self) -> None:
        shown = self.shown()
        self.model.rows = [logic.alert_row(a, self.ctx.tr, self, folded_count=n) for a, n in logic.folded(shown)]
        # the server's count (all of them, also those beyond the loaded page); the loaded rows until it answers
        counts = self.counts
        self.model.unacked = counts.unacknowledged if counts else logic.unacknowledged(shown)
        open_count = counts.open if counts else sum(1 for a in shown if a.is_open)
        self.model.summary = self.t("alerts.summary", n=self.model.unacked, open=open_count)
        self.model.empty_text = "" if shown else self.t("alerts.none")

    # -- live ---------------------------------------------------------------------------------
    def on_alert_event(self, event: AlertEvent) -> None:
        alert = event.alert
        if alert is None:
            return
        self.alerts[alert.id] = alert
        if not self.visible:
            return
        self.render()
        self._recount()
        if (event.kind in (AlertEventKind.RAISED, AlertEventKind.ESCALATED)
                and logic.visible_to(alert, self.ctx.sessions.user) and logic.in_area(alert, self.area_id)):
            self.model.notice = self.t("alerts.new", title=logic.title_text(alert, self.ctx.tr))

    def on_alert_status(self, connected: bool, reload: bool = True) -> None:
        was = self.model.live
        self.model.live = connected
        self.model.live_text = logic.live_text(connected, ever=self._ever_connected(connected), tr=self.ctx.tr)
        if reload and connected and not was and self.visible:
            self.refresh()          # what happened while the subscription was down

    def _ever_connected(self, connected: bool) -> bool:
        """Whether the subscription has been live since it was (re)started: before that it is connecting."""
        self._was_live = self._was_live or connected
        live = self.ctx.alert_live
        return connected or (live.ever_connected if live is not None else self._was_live)

    # -- the area (officers and managers) -----------------------------------------------------
    def _areas_loaded(self, areas: list[Area]) -> None:
        self.areas = list(areas)
        self._area_choices()

    def _area_choices(self) -> None:
        self.model.area_names = [self.t("alerts.all_areas"), *(a.name for a in self.areas)]
        current = next((a.name for a in self.areas if a.id == self.area_id), None)
        self.model.area_text = current or self.t("alerts.all_areas")

    def choose_area(self, name: str) -> None:
        area = next((a for a in self.areas if a.name == name), None)
        area_id = area.id if area else None
        if area_id == self.area_id:
            return
        self.area_id = area_id
        self.counts = None
        self._area_choices()
        if self.ctx.alert_live is not None:
            self.ctx.alert_live.start(areaId=area_id)
        self.render()
        self.refresh()

    def select(self, alert_id: str) -> None:
        self.ctx.navigate("alert", alert_id=alert_id)
