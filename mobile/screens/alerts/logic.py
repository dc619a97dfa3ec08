"""Pure rules of the alerts screens: who sees and may act, the order, retries, the curve's geometry."""

from __future__ import annotations

import enum
import logging
import math
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from contracts.alerts import AlertSeverity, AlertSource, AlertState, AlertVerdict
from contracts.client import ApiError
from contracts.roles import Role
from mobile.alarms.titles import SensorTitle, parse_sensor_title, title_text
from mobile.api.alerts import Alert, Sensor, SensorPoint
from mobile.api.models import User

logger = logging.getLogger(__name__)

__all__ = ["SensorTitle", "parse_sensor_title", "title_text"]   # re-exported: the screens use them from here

T = TypeVar("T")

# who sees every alert of the mine and may pick an area (everyone else: own area + mine-wide)
STAFF = (Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN)
# who acknowledges and resolves anywhere in the mine (an area manager: in their own area)
RESPONDERS = (Role.SAFETY_OFFICER, Role.MINE_MANAGER)

STATE_ORDER = {AlertState.RAISED: 0, AlertState.ACKNOWLEDGED: 1, AlertState.RESOLVED: 2}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Severity colours chosen for a dark cap-lamp-lit screen: saturated backgrounds, white text on them.
SEVERITY_COLOURS: dict[AlertSeverity, tuple[float, float, float, float]] = {
    AlertSeverity.CRITICAL: (0.78, 0.08, 0.10, 1),
    AlertSeverity.ALARM: (0.85, 0.33, 0.05, 1),
    AlertSeverity.WARNING: (0.80, 0.62, 0.05, 1),
    AlertSeverity.INFO: (0.16, 0.42, 0.70, 1),
}
RESOLVED_COLOUR = (0.30, 0.32, 0.36, 1)


def colour(alert: Alert) -> tuple[float, float, float, float]:
    """The severity's colour while it matters; grey once resolved or judged a false alarm."""
    if not alert.is_open or alert.verdict is AlertVerdict.FALSE_ALARM:
        return RESOLVED_COLOUR
    return SEVERITY_COLOURS[alert.severity]


def sees_all(user: User | None) -> bool:
    return bool(user and user.has_any(*STAFF))


def visible_to(alert: Alert, user: User | None) -> bool:
    """A miner (and anyone not staff) sees their own area's alerts and mine-wide ones."""
    if user is None:
        return False
    if sees_all(user):
        return True
    return alert.area is None or alert.area.id == user.area_id


def may_respond(alert: Alert, user: User | None) -> bool:
    """Acknowledge, resolve, open a hazard: safety officers and mine managers; area managers in their area."""
    if user is None:
        return False
    if user.has_any(*RESPONDERS):
        return True
    return user.has_any(Role.AREA_MANAGER) and alert.area is not None and alert.area.id == user.area_id


def available_actions(alert: Alert, user: User | None) -> list[str]:
    """The buttons to show (the server still decides; this only hides what would be refused)."""
    if not may_respond(alert, user):
        return []
    actions: list[str] = []
    if alert.state is AlertState.RAISED:
        actions += ["confirm", "false_alarm"]
    if alert.state is not AlertState.RESOLVED:
        actions.append("resolve")
    if alert.hazard is not None:
        actions.append("view_hazard")
    elif alert.area is not None:        # a mine-wide alert names no area to open the hazard in
        actions.append("open_hazard")
    return actions


def changed(before: Alert, after: Alert) -> bool:
    """Whether a live event tells something new about an alert already shown."""
    def facts(a: Alert) -> tuple[object, ...]:
        return a.state, a.raise_count, a.verdict, a.severity, a.escalation_level, a.hazard
    return facts(before) != facts(after)


def sort_key(alert: Alert) -> tuple[int, int, float]:
    """Unacknowledged first, then the most severe, then the newest."""
    latest = alert.last_raised_at or alert.first_raised_at or _EPOCH
    return STATE_ORDER[alert.state], -alert.severity.rank, -latest.timestamp()


def ordered(alerts: Iterable[Alert]) -> list[Alert]:
    return sorted(alerts, key=sort_key)


def in_area(alert: Alert, area_id: str | None) -> bool:
    """The chosen-area filter of officers (None: all areas); mine-wide alerts show in every area."""
    return area_id is None or alert.area is None or alert.area.id == area_id


def suggested_grade(alert: Alert) -> str:
    return "MAJOR" if alert.severity is AlertSeverity.CRITICAL else "GENERAL"


def unacknowledged(alerts: Iterable[Alert]) -> int:
    return sum(1 for a in alerts if a.state is AlertState.RAISED)


def retrying(work: Callable[[], T], *, attempts: int = 4, base_delay_s: float = 0.5,
             sleep: Callable[[float], None] | None = None) -> T:
    """Run `work` again on a transient failure (no network, 5xx): the same request each time, so a
    reply lost after the server acted is answered by the server's idempotency, never a second action."""
    for attempt in range(attempts):
        try:
            return work()
        except ApiError as error:
            if not error.retryable or attempt == attempts - 1:
                raise
            delay = base_delay_s * (2 ** attempt)
            logger.info("transient failure (%s); the same request again in %.1f s", error, delay)
            (sleep or time.sleep)(delay)
    raise AssertionError("unreachable")


def live_text(connected: bool, *, ever: bool, tr: Callable[..., str]) -> str:
    """The state line: connecting until the first connection, then live / reconnecting."""
    if connected:
        return tr("alerts.live")
    return tr("alerts.reconnecting") if ever else tr("alerts.connecting")


def readable_ref(ref: str) -> str:
    """A source reference worth showing to a person: not a bare id (UUID)."""
    try:
        uuid.UUID(ref.strip())
    except ValueError:
        return ref.strip()
    return ""


def sensor_for(alert: Alert, sensors: Sequence[Sensor]) -> Sensor | None:
    """The sensor a SENSOR alert is about: its sourceRef names the sensor by id or code (possibly with a
    suffix such as `CH4-01:ALARM`)."""
    if alert.source is not AlertSource.SENSOR:
        return None
    ref = alert.source_ref.strip()
    for sensor in sensors:
        if ref in (sensor.id, sensor.code):
            return sensor
    tokens = {t for t in ref.replace("/", ":").split(":") if t}
    for sensor in sensors:
        if sensor.id in tokens or (sensor.code and sensor.code in tokens):
            return sensor
    return None


def alarm_threshold(sensor: Sensor) -> float | None:
    t = sensor.thresholds
    return t.alarm if t.alarm is not None else (t.low_alarm if t.low_alarm is not None else t.power_cut)


@dataclass(frozen=True)
class ChartGeometry:
    """A series scaled into a w×h box (origin bottom-left), with the value range the axes show."""

    line: list[float]            # x0, y0, x1, y1, … for a Kivy Line
    band_low: list[float]        # the downsampled minimum (empty for raw points)
    band_high: list[float]
    threshold_y: float | None
    cut_y: float | None
    lo: float
    hi: float
    start: datetime | None
    end: datetime | None


def chart_geometry(points: Sequence[SensorPoint], threshold: float | None, width: float,
                   height: float, cut: float | None = None) -> ChartGeometry:
    """Scale the points (and the alarm and power-cut thresholds, always kept in view) into the chart's box."""
    if not points or width <= 0 or height <= 0:
        return ChartGeometry([], [], [], None, None, 0.0, 1.0, None, None)
    values = [p.value for p in points]
    values += [p.low for p in points if p.low is not None] + [p.high for p in points if p.high is not None]
    values += [t for t in (threshold, cut) if t is not None]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or max(abs(hi) * 0.1, 0.1)
    near_zero = lo >= 0 and (lo - pad < 0 or lo < (hi - lo) * 0.5)
    lo = 0.0 if near_zero else nice_floor(lo - pad)      # readings near zero: the axis starts at zero
    hi = nice_ceiling(hi + pad * 0.5, lo)
    t0, t1 = points[0].at.timestamp(), points[-1].at.timestamp()
    span = (t1 - t0) or 1.0

    def x(point: SensorPoint) -> float:
        return width * ((point.at.timestamp() - t0) / span if len(points) > 1 else 0.5)

    def y(value: float) -> float:
        return height * (value - lo) / (hi - lo)

    line = [c for p in points for c in (x(p), y(p.value))]
    has_band = any(p.low is not None and p.high is not None and p.low != p.high for p in points)
    low = [c for p in points for c in (x(p), y(p.low if p.low is not None else p.value))] if has_band else []
    high = [c for p in points for c in (x(p), y(p.high if p.high is not None else p.value))] if has_band else []
    return ChartGeometry(line, low, high, None if threshold is None else y(threshold),
                         None if cut is None else y(cut), lo, hi, points[0].at, points[-1].at)


NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float, lo: float = 0.0) -> float:
    """The axis top: the span above `lo` rounded up to 1, 1.2, 1.5, 2, 2.5 … × 10^k (readable labels)."""
    span = value - lo
    if span <= 0:
        return value
    scale = 10 ** math.floor(math.log10(span))
    return lo + next(step * scale for step in NICE_STEPS if step * scale >= span - 1e-12)


def nice_floor(value: float) -> float:
    """The axis bottom: `value` rounded down to a whole number of its own order of magnitude / 10."""
    if value == 0:
        return 0.0
    scale = 10 ** (math.floor(math.log10(abs(value))) - 1)
    return math.floor(value / scale) * scale


def number(value: float | None) -> str:
    """A reading for people: at most 3 significant decimals, no trailing zeros."""
    if value is None:
        return "—"
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def short_time(value: datetime | None, now: datetime | None = None) -> str:
    """`HH:MM` today, `MM-DD HH:MM` otherwise (device-local)."""
    if value is None:
        return ""
    local = value.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")


def state_line(alert: Alert, tr: Callable[..., str], now: datetime | None = None) -> str:
    """`Unacknowledged · 14:02`, `Confirmed by Wang · 14:05`, `Resolved · 14:30`."""
    if alert.state is AlertState.RAISED:
        return f"{tr('alerts.state.RAISED')} · {short_time(alert.last_raised_at, now)}"
    if alert.state is AlertState.ACKNOWLEDGED:
        verdict = tr(f"alerts.verdict.{alert.verdict.value}") if alert.verdict else tr("alerts.state.ACKNOWLEDGED")
        who = alert.acknowledged_by.display_name if alert.acknowledged_by else "—"
        return tr("alerts.acknowledged_line", verdict=verdict, name=who, when=short_time(alert.acknowledged_at, now))
    return f"{tr('alerts.state.RESOLVED')} · {short_time(alert.resolved_at, now)}"


def alert_row(alert: Alert, tr: Callable[..., str], controller: object, now: datetime | None = None,
              folded_count: int = 0) -> dict:
    """The data of one AlertRow in the RecycleView (`folded_count` older resolved repeats folded into it)."""
    where = alert.area.name if alert.area else tr("alerts.mine_wide")
    line2 = f"{where} · {tr(f'alerts.source.{alert.source.value}')}"
    if alert.raise_count > 1:
        line2 += " · " + tr("alerts.repeats", n=alert.raise_count)
    line3 = state_line(alert, tr, now)
    if folded_count:
        line3 += " · " + tr("alerts.folded", n=folded_count)
    return {
        "item_id": alert.id,
        "controller": controller,
        "severity_text": tr(f"alerts.severity.{alert.severity.value}"),
        "title": title_text(alert, tr),
        "line2": line2,
        "line3": line3,
        "colour": colour(alert),
        "unacked": alert.state is AlertState.RAISED,
    }


# -- folding the history: a simulator's (or a flapping sensor's) resolved repeats are one row -----------

def fold_key(alert: Alert) -> tuple[object, ...] | None:
    """Resolved alerts with the same key fold into one row; an open alert never folds."""
    if alert.is_open:
        return None
    parts = parse_sensor_title(alert)
    what = (parts.kind, parts.what, parts.code) if parts else alert.title.strip()
    return alert.source, alert.source_ref, alert.severity, alert.area.id if alert.area else None, what


def folded(alerts: Sequence[Alert]) -> list[tuple[Alert, int]]:
    """Each alert with how many older resolved ones of its key fold into it (0: none), in the given order."""
    rows: list[tuple[Alert, int]] = []
    at: dict[tuple[object, ...], int] = {}
    for alert in alerts:
        key = fold_key(alert)
        if key is None or key not in at:
            if key is not None:
                at[key] = len(rows)
            rows.append((alert, 0))
            continue
        index = at[key]
        first, n = rows[index]
        rows[index] = (first, n + 1)
    return rows


# -- readings against their limits ------------------------------------------------------------------------

class ReadingLevel(enum.StrEnum):
    NORMAL = "normal"
    WARNING = "warning"          # at or over the warning limit
    OVER = "over"                # at or over the alarm limit
    CUT = "cut"                  # at or over the power-cut limit
    BELOW = "below"              # under a lower alarm limit (O2)


LEVEL_COLOURS = {ReadingLevel.WARNING: "f0c020", ReadingLevel.OVER: "ff7a30", ReadingLevel.CUT: "ff4040",
                 ReadingLevel.BELOW: "ff4040"}


def reading_level(sensor: Sensor) -> tuple[ReadingLevel, float | None]:
    """Where the sensor's last reading stands, with the limit it passed."""
    value, t = sensor.last_value, sensor.thresholds
    if value is None:
        return ReadingLevel.NORMAL, None
    if t.low_alarm is not None and value < t.low_alarm:
        return ReadingLevel.BELOW, t.low_alarm
    if t.power_cut is not None and value >= t.power_cut:
        return ReadingLevel.CUT, t.power_cut
    if t.alarm is not None and value >= t.alarm:
        return ReadingLevel.OVER, t.alarm
    if t.warning is not None and value >= t.warning:
        return ReadingLevel.WARNING, t.warning
    return ReadingLevel.NORMAL, None
