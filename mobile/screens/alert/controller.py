"""Alert detail: facts, the vision snapshot (downloaded off the UI thread into a cache), the sensor's
recent curve and the area's sensors, and acknowledge / resolve / open hazard.

Each action is retried with the same request on a transient failure (logic.retrying). A reply lost
after the server acted comes back as InvalidTransition ("already acknowledged"): the alert is read
again and shown as it is, with a notice instead of an error; nothing is done twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kivy.utils import escape_markup

from contracts.alerts import AlertSource, AlertState, AlertVerdict
from mobile.api.alerts import ActionOutcome, ActionResult, Alert, AlertEvent, AlertsApi, Sensor, SensorPoint
from mobile.api.live import LiveEvents
from mobile.api.positioning import EVACUATION_LIVE, Evacuation, PositioningApi, parse_evacuation_event
from mobile.i18n import STRINGS
from mobile.screens.alert.model import AlertModel
from mobile.screens.alerts import logic
from mobile.screens.people import logic as positioning
from mobile.ui.base import BaseController
from mobile.ui.format import local_time

logger = logging.getLogger(__name__)

CURVE_WINDOW = timedelta(hours=2)      # at least this much of the sensor's recent history
CURVE_BEFORE = timedelta(minutes=30)   # and from this long before the alert was first raised
CURVE_LONGEST = timedelta(days=7)
CURVE_POINTS = 120
NOTE_ACTIONS = {"confirm", "false_alarm", "resolve"}
SNAPSHOTS_KEPT = 200


def prune(folder: Path, *, keep: int) -> None:
    """Keep the `keep` newest files of the snapshot cache (a phone's storage is small)."""
    files = sorted(folder.glob("*.jpg"), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


class AlertController(BaseController):
    model: AlertModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = AlertsApi(self.ctx.client)
        self.alert: Alert | None = None
        self.sensor_code = ""          # the code of a sensor alert's sensor, once the sensors are loaded
        self._snapshot_for = ""
        self._curve_for = ""
        self.positioning = PositioningApi(self.ctx.client)
        self._evacuation_for = ""      # the alert whose evacuation list is shown (and followed live)
        self._evacuation_live: LiveEvents | None = None
        self._evacuation: Evacuation | None = None

    # -- showing ------------------------------------------------------------------------------
    def on_enter(self, **params: Any) -> None:
        alert_id = params.get("alert_id") or self.model.alert_id
        if alert_id != self.model.alert_id:
            self._clear()
        self.model.alert_id = alert_id
        self.model.notice = ""
        self.reload()

    def _clear(self) -> None:
        self.alert = None
        self.sensor_code = ""
        self._snapshot_for = self._curve_for = ""
        self._evacuation_for = ""
        self._evacuation = None
        self._stop_following()
        for name in ("headline", "detail", "facts", "snapshot", "snapshot_text", "chart_title", "sensors",
                     "sensors_title", "note", "banner", "evacuation_title", "evacuation_summary", "evacuation"):
            setattr(self.model, name, "")
        self.model.has_chart = False
        self.model.chart_points = []
        self.model.actions = []

    def reload(self, then: Callable[[Alert], None] | None = None) -> None:
        alert_id = self.model.alert_id

        def done(alert: Alert | None) -> None:
            if alert is None:
                self.model.error = self.t("common.empty")
                return
            self.show(alert)
            if then is not None:
                then(alert)

        self.call(lambda: logic.retrying(lambda: self.api.alert(alert_id)), done)

    def show(self, alert: Alert) -> None:
        self.alert = alert
        user = self.ctx.sessions.user
        state = self.t(f"alerts.state.{alert.state.value}")
        self.model.banner = f"{self.t(f'alerts.severity.{alert.severity.value}')} · {state}"
        self.model.colour = list(logic.SEVERITY_COLOURS[alert.severity] if alert.is_open else logic.RESOLVED_COLOUR)
        self.model.headline = logic.title_text(alert, self.ctx.tr)
        self.model.detail = alert.detail
        self.model.facts = "\n".join(self.facts(self.alert))
        actions = logic.available_actions(alert, user)
        self.model.actions = [{"action": a, "text": self.t(f"alert.{a}")} for a in actions]
        self.model.can_note = bool(NOTE_ACTIONS.intersection(actions))
        if alert.source is AlertSource.VISION:
            self._load_snapshot(alert)
        if alert.source is AlertSource.SENSOR:
            self._load_curve(alert)
        if self._evacuation is not None:
            self.show_evacuation(self._evacuation)   # again, in the language now chosen
        self._load_evacuation(alert)

    # -- the evacuation list (alarms and power cuts), live ------------------------------------------
    def _load_evacuation(self, alert: Alert) -> None:
        if self._evacuation_for == alert.id:
            return
        self._evacuation_for = alert.id
        self.ctx.runner.submit(lambda: self.positioning.evacuation(alert.id), self.show_evacuation,
                               lambda error: logger.info("no evacuation list for %s: %s", alert.id, error))

    def show_evacuation(self, evacuation: Evacuation | None) -> None:
        if evacuation is None or evacuation.alert_id != self.model.alert_id:
            return
        self._evacuation = evacuation
        self.model.evacuation_title = self.t("evacuation.title", areas=", ".join(sorted(evacuation.areas)))
        self.model.evacuation_summary = positioning.evacuation_summary(evacuation, self.t)
        self.model.evacuation = positioning.evacuation_lines(evacuation, self.t)
        self._follow(evacuation.alert_id)

    def _follow(self, alert_id: str) -> None:
        if self._evacuation_live is not None and self._evacuation_live.variables.get("alertId") == alert_id:
            return
        self._stop_following()
        self._evacuation_live = LiveEvents(client=self.ctx.client, on_event=self._evacuation_event,
                                           document=EVACUATION_LIVE, parse=parse_evacuation_event, name="evacuation")
        self._evacuation_live.start(alertId=alert_id)

    def _evacuation_event(self, evacuation: Evacuation | None) -> None:
        """From the subscription's thread: shown on the UI thread."""
        self.ctx.runner.submit(lambda: evacuation, self.show_evacuation, lambda error: None)

    def _stop_following(self) -> None:
        live, self._evacuation_live = self._evacuation_live, None
        if live is not None:
            live.stop(timeout=1)

    def on_leave(self) -> None:
        self._stop_following()
        self._evacuation_for = ""

    def facts(self, alert: Alert) -> list[str]:
        source = self.t(f"alerts.source.{alert.source.value}")
        ref = self.sensor_code or logic.readable_ref(alert.source_ref)
        lines = [
            self.t("alert.source", source=source, ref=ref) if ref else self.t("alert.source_only", source=source),
            self.t("alert.area", name=alert.area.name if alert.area else self.t("alerts.mine_wide")),
            self.t("alert.raised", first=local_time(alert.first_raised_at), last=local_time(alert.last_raised_at),
                   n=alert.raise_count),
        ]
        if alert.acknowledged_at is not None:
            verdict = self.t(f"alerts.verdict.{alert.verdict.value}") if alert.verdict else ""
            lines.append(self.t("alert.acknowledged_by", verdict=verdict, when=local_time(alert.acknowledged_at),
                                name=alert.acknowledged_by.display_name if alert.acknowledged_by else "—"))
        if alert.note:
            lines.append(self.t("alert.note_line", note=alert.note))
        if alert.resolved_at is not None:
            lines.append(self.t("alert.resolved_at", when=local_time(alert.resolved_at)))
        if alert.escalation_level:
            lines.append(self.t("alert.escalated", n=alert.escalation_level))
        if alert.hazard is not None:
            lines.append(self.t("alert.hazard_line", state=self.t(f"state.{alert.hazard.state}")))
        return lines

    # -- the snapshot of a vision alert --------------------------------------------------------
    def snapshot_path(self, alert: Alert) -> Path:
        folder = self.ctx.cache_dir or Path(tempfile.gettempdir()) / "minesafe-cache"
        stamp = alert.last_raised_at.isoformat() if alert.last_raised_at else ""
        name = hashlib.sha256(f"{alert.id}|{stamp}".encode()).hexdigest()[:32]
        return folder / "snapshots" / f"{name}.jpg"

    def _load_snapshot(self, alert: Alert) -> None:
        if not alert.snapshot_url:
            self.model.snapshot = ""
            self.model.snapshot_text = self.t("alert.no_snapshot")
            return
        path = self.snapshot_path(alert)
        if path.is_file():
            self.model.snapshot, self.model.snapshot_text = str(path), ""
            return
        if self._snapshot_for == str(path):
            return              # already downloading
        self._snapshot_for = str(path)
        self.model.snapshot_text = self.t("alert.snapshot_loading")
        url = alert.snapshot_url

        def download() -> str:
            data = logic.retrying(lambda: self.api.snapshot(url))
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            os.replace(partial, path)
            prune(path.parent, keep=SNAPSHOTS_KEPT)
            return str(path)

        def done(saved: str) -> None:
            if self.alert is not None and self.alert.id == alert.id:
                self.model.snapshot, self.model.snapshot_text = saved, ""

        def failed(error: Exception) -> None:
            logger.info("snapshot of %s: %s", alert.id, error)
            self._snapshot_for = ""
            if self.alert is not None and self.alert.id == alert.id:
                self.model.snapshot_text = self.t("alert.snapshot_failed")

        self.ctx.runner.submit(download, done, failed)

    # -- the curve of a sensor alert -----------------------------------------------------------
    def curve_since(self, alert: Alert, now: datetime | None = None) -> datetime:
        now = now or datetime.now(UTC)
        since = now - CURVE_WINDOW
        if alert.first_raised_at is not None:
            since = min(since, alert.first_raised_at - CURVE_BEFORE)
        return max(since, now - CURVE_LONGEST)

    def _load_curve(self, alert: Alert) -> None:
        key = f"{alert.id}|{alert.last_raised_at}|{alert.state}"
        if self._curve_for == key:
            return
        self._curve_for = key
        self.model.chart_title = self.t("alert.curve_loading")
        area_id = alert.area.id if alert.area else None
        since = self.curve_since(alert)

        def load() -> tuple[list[Sensor], Sensor | None, list[SensorPoint]]:
            sensors = logic.retrying(lambda: self.api.sensors(area_id=area_id))
            sensor = logic.sensor_for(alert, sensors)
            points = (logic.retrying(lambda: self.api.sensor_series(sensor_id=sensor.id, since=since,
                                                                     max_points=CURVE_POINTS))
                      if sensor is not None else [])
            return sensors, sensor, points

        def failed(error: Exception) -> None:
            logger.info("curve of %s: %s", alert.id, error)
            self._curve_for = ""
            if self.alert is not None and self.alert.id == alert.id:
                self.model.chart_title = self.t("alert.curve_failed")

        self.ctx.runner.submit(load, lambda loaded: self._curve_loaded(alert, *loaded), failed)

    def _curve_loaded(self, alert: Alert, sensors: list[Sensor], sensor: Sensor | None,
                      points: list[SensorPoint]) -> None:
        if self.alert is None or self.alert.id != alert.id:
            return
        self.model.sensors_title = self.t("alert.sensors_title") if sensors else ""
        self.model.sensors = "\n".join(self.sensor_line(s, current=sensor is not None and s.id == sensor.id)
                                       for s in sensors)
        if sensor is None:
            self.model.has_chart = False
            self.model.chart_title = self.t("alert.no_sensor")
            return
        if not self.sensor_code:
            self.sensor_code = sensor.code
            self.model.facts = "\n".join(self.facts(self.alert))
        threshold = logic.alarm_threshold(sensor)
        self.model.chart_title = self.t("alert.curve_title", code=sensor.code, kind=self.kind_text(sensor.kind),
                                        n=len(points))
        self.model.chart_unit = sensor.unit
        self.model.chart_threshold = threshold
        self.model.chart_threshold_label = (self.t("alert.threshold", value=logic.number(threshold), unit=sensor.unit)
                                            if threshold is not None else "")
        cut = sensor.thresholds.power_cut
        cut = cut if cut is not None and cut != threshold else None
        self.model.chart_cut = cut
        self.model.chart_cut_label = self.t("alert.cut", value=logic.number(cut), unit=sensor.unit) if cut else ""
        self.model.chart_empty = self.t("alert.no_readings")
        self.model.chart_points = list(points)
        self.model.has_chart = True

    def kind_text(self, kind: str) -> str:
        """`甲烷` / `methane` for CH4; a kind the app does not know yet as the server spells it."""
        key = f"sensor.kind.{kind}"
        return self.t(key) if key in STRINGS else kind

    def sensor_line(self, sensor: Sensor, *, current: bool = False) -> str:
        """One sensor as Kivy markup: a reading past a limit in its colour, with words (over / below)."""
        value = f"{logic.number(sensor.last_value)} {sensor.unit}".strip()
        status = self.t("alert.sensor_online") if sensor.online else self.t("alert.sensor_offline")
        level, limit = logic.reading_level(sensor)
        if level is not logic.ReadingLevel.NORMAL and limit is not None:
            words = self.t(f"reading.{level.value}", limit=f"{logic.number(limit)} {sensor.unit}".strip())
            value = f"[color={logic.LEVEL_COLOURS[level]}][b]{escape_markup(value)} {escape_markup(words)}[/b][/color]"
        else:
            value = escape_markup(value)
        line = f"{escape_markup(sensor.code)} · {escape_markup(self.kind_text(sensor.kind))} · {value} · {status}"
        alarm = logic.alarm_threshold(sensor)
        if alarm is not None and level is logic.ReadingLevel.NORMAL:
            line += " · " + self.t("alert.threshold", value=logic.number(alarm), unit=sensor.unit)
        return f"▶ {line}" if current else line

    # -- live -----------------------------------------------------------------------------------
    def on_alert_event(self, event: AlertEvent) -> None:
        if event.alert is None or event.alert.id != self.model.alert_id:
            return
        before = self.alert
        self.show(event.alert)
        if before is None or logic.changed(before, event.alert):      # not the echo of our own action
            self.model.notice = self.t("alert.changed", kind=self.t(f"alerts.event.{event.kind}"))

    # -- actions --------------------------------------------------------------------------------
    def set_note(self, text: str) -> None:
        self.model.note = text

    def act(self, action: str) -> None:
        alert = self.alert
        if alert is None or self.model.busy:
            return          # one action at a time: a second tap while the first is on its way does nothing
        note = self.model.note.strip() or None
        alert_id = alert.id
        if action in ("confirm", "false_alarm"):
            verdict = AlertVerdict.CONFIRMED if action == "confirm" else AlertVerdict.FALSE_ALARM
            self.call(lambda: logic.retrying(lambda: self.api.acknowledge(alert_id=alert_id, verdict=verdict,
                                                                          note=note)),
                      self._after(f"alert.done_{action}", settled=lambda a: a.state is not AlertState.RAISED,
                                  already="alert.already_acknowledged"))
        elif action == "resolve":
            self.call(lambda: logic.retrying(lambda: self.api.resolve(alert_id=alert_id, note=note)),
                      self._after("alert.done_resolve", settled=lambda a: a.state is AlertState.RESOLVED,
                                  already="alert.already_resolved"))
        elif action == "open_hazard":
            description = f"{alert.title}\n{alert.detail}".strip()
            grade = logic.suggested_grade(alert)
            self.call(lambda: logic.retrying(lambda: self.api.open_hazard(alert_id=alert_id, description=description,
                                                                          suggested_grade=grade)),
                      self._hazard_opened)
        elif action == "view_hazard" and alert.hazard is not None:
            self.ctx.navigate("hazard", hazard_id=alert.hazard.id)
        else:
            raise ValueError(f"unknown action {action!r}")

    def _after(self, ok_key: str, *, settled: Callable[[Alert], bool], already: str) -> Callable[[ActionResult], None]:
        def done(result: ActionResult) -> None:
            if result.outcome is ActionOutcome.OK and result.alert is not None:
                self.model.note = ""
                self.show(result.alert)
                self.model.notice = self.t(ok_key)
            elif result.outcome is ActionOutcome.INVALID_TRANSITION:
                # someone else (or our own retried request) got there first: show the alert as it is now
                def then(alert: Alert) -> None:
                    if settled(alert):
                        self.model.note = ""
                        self.model.notice = self.t(already, name=alert.acknowledged_by.display_name
                                                   if alert.acknowledged_by else "—")
                    else:
                        self.model.error = self.t("alert.refused", message=result.message)
                self.reload(then)
            else:
                self.model.error = self.t("alert.refused", message=result.message)
        return done

    def _hazard_opened(self, result: ActionResult) -> None:
        if result.outcome is ActionOutcome.OK and result.hazard_id:
            self.model.notice = self.t("alert.done_open_hazard")
            self.ctx.navigate("hazard", hazard_id=result.hazard_id)
        elif result.outcome is ActionOutcome.INVALID_TRANSITION:
            def then(alert: Alert) -> None:
                if alert.hazard is not None:
                    self.ctx.navigate("hazard", hazard_id=alert.hazard.id)
                else:
                    self.model.error = self.t("alert.refused", message=result.message)
            self.reload(then)
        else:
            self.model.error = self.t("alert.refused", message=result.message)
