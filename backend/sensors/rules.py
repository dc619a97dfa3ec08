"""Pure rules of the sensor domain: what an alarm change means as an alert, threshold checks, series plans.

The vocabulary (kinds, levels, faults, alarm events) and the DOMAIN.md threshold defaults are the contract's
(``contracts.sensors``), shared with the bridge.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from contracts.failures import RejectReason
from contracts.sensors import ANY_LOCATION, AlarmEvent, LocationType, SensorFault, SensorKind, SensorLevel

SILENT_CYCLES = 2


class Condition(enum.StrEnum):
    """One alert per sensor and condition: its dedupe key is ``sensor:{sensor id}:{condition}``."""

    LEVEL = "level"
    POWER_CUT = "power-cut"
    RATE = "rate"
    FAULT = "fault"


class AlertImpact(enum.StrEnum):
    """The alert severities a sensor can raise (values of backend.alerts' AlertSeverity)."""

    WARNING = "WARNING"
    ALARM = "ALARM"
    CRITICAL = "CRITICAL"


@dataclass(frozen=True, slots=True)
class ThresholdValues:
    """Alarm limits of one sensor (None: the limit does not apply); the bridge's ``Thresholds`` fields."""

    warning: float | None = None
    alarm: float | None = None
    power_cut: float | None = None
    restore: float | None = None
    low_alarm: float | None = None
    low_restore: float | None = None
    rate_delta: float | None = None
    rate_window_s: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def merged(self, override: Mapping[str, float | None] | None) -> ThresholdValues:
        """These values with a sensor's own override on top (keys present in the override win)."""
        if not override:
            return self
        values = self.as_dict()
        values.update({k: v for k, v in override.items() if k in values})
        return ThresholdValues(**values)


THRESHOLD_FIELDS = tuple(f.name for f in fields(ThresholdValues))


def threshold_problems(t: ThresholdValues) -> list[tuple[str, str]]:
    """(field, message) for every inconsistency; empty when the bridge will accept the values."""
    problems: list[tuple[str, str]] = []
    for name in THRESHOLD_FIELDS:
        value = getattr(t, name)
        if value is not None and not math.isfinite(value):
            problems.append((name, f"{name} must be a finite number"))
    if problems:
        return problems
    if t.restore is not None and t.alarm is not None and t.restore > t.alarm:
        problems.append(("restore", "restore must not be above the alarm threshold"))
    if t.power_cut is not None and t.alarm is not None and t.power_cut < t.alarm:
        problems.append(("powerCut", "power cut must not be below the alarm threshold"))
    if t.warning is not None and t.alarm is not None and t.warning > t.alarm:
        problems.append(("warning", "warning must not be above the alarm threshold"))
    if t.low_restore is not None and t.low_alarm is not None and t.low_restore < t.low_alarm:
        problems.append(("lowRestore", "low restore must not be below the low alarm threshold"))
    if (t.rate_delta is None) != (t.rate_window_s is None):
        problems.append(("rateDelta", "rate delta and rate window go together"))
    for name in ("rate_delta", "rate_window_s"):
        value = getattr(t, name)
        if value is not None and value <= 0:
            problems.append((name, f"{name} must be positive"))
    return problems


@dataclass(frozen=True, slots=True)
class KindDefaults:
    unit: str
    physical_min: float
    physical_max: float


def range_problem(physical_min: float, physical_max: float) -> str | None:
    if not (math.isfinite(physical_min) and math.isfinite(physical_max)):
        return "the physical range must be finite"
    if physical_min >= physical_max:
        return "the physical minimum must be below the maximum"
    return None


def effective_profile(profiles: Mapping[tuple[str, str], ThresholdValues], kind: SensorKind,
                      location: LocationType | None) -> ThresholdValues:
    """The mine's profile for (kind, location), else the kind's any-location profile, else no limits."""
    if location is not None and (kind.value, location.value) in profiles:
        return profiles[(kind.value, location.value)]
    return profiles.get((kind.value, ANY_LOCATION), ThresholdValues())


def is_online(last_reading_at: datetime | None, polling_seconds: float, fault: SensorFault | None,
              now: datetime) -> bool:
    """A sensor silent for two polling cycles is a fault (AQ 6201); so is a silent fault from the bridge."""
    if last_reading_at is None or fault is SensorFault.SILENT:
        return False
    return (now - last_reading_at).total_seconds() <= SILENT_CYCLES * polling_seconds + 1.0


# --- alarm changes → alerts ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AlertAction:
    """Raise (with a severity) or resolve the alert of one sensor condition."""

    condition: Condition
    raise_severity: AlertImpact | None  # None: resolve

    @property
    def resolves(self) -> bool:
        return self.raise_severity is None


def alert_action(event: AlarmEvent, level: SensorLevel) -> AlertAction:
    """What an alarm change of the bridge does to the sensor's alerts.

    Power cut CRITICAL; alarm level ALARM, warning level WARNING; faults WARNING; a rate alarm ALARM.
    Going back to normal, restoring power, clearing a rate or a fault resolves that condition's alert.
    """
    if event is AlarmEvent.POWER_CUT:
        return AlertAction(Condition.POWER_CUT, AlertImpact.CRITICAL)
    if event is AlarmEvent.POWER_RESTORED:
        return AlertAction(Condition.POWER_CUT, None)
    if event is AlarmEvent.RATE_RAISED:
        return AlertAction(Condition.RATE, AlertImpact.ALARM)
    if event is AlarmEvent.RATE_CLEARED:
        return AlertAction(Condition.RATE, None)
    if event is AlarmEvent.FAULT_RAISED:
        return AlertAction(Condition.FAULT, AlertImpact.WARNING)
    if event is AlarmEvent.FAULT_CLEARED:
        return AlertAction(Condition.FAULT, None)
    if level is SensorLevel.ALARM:
        return AlertAction(Condition.LEVEL, AlertImpact.ALARM)
    if level is SensorLevel.WARNING:
        return AlertAction(Condition.LEVEL, AlertImpact.WARNING)
    return AlertAction(Condition.LEVEL, None)


def dedupe_key(sensor_id: object, condition: Condition) -> str:
    return f"sensor:{sensor_id}:{condition.value}"


def alert_title(code: str, kind: SensorKind, event: AlarmEvent, level: SensorLevel, value: float | None,
                unit: str) -> str:
    shown = f" {value:g} {unit}".rstrip() if value is not None else ""
    what = {
        AlarmEvent.POWER_CUT: "power cut", AlarmEvent.RATE_RAISED: "rising fast", AlarmEvent.FAULT_RAISED: "fault",
    }.get(event, level.value.lower())
    return f"{kind.value} {what} at {code}{':' if shown else ''}{shown}"


# --- batches ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SeqVerdict:
    gap: int  # sequence numbers skipped before this batch (0 when none)
    out_of_order: bool  # an older sequence number than one already seen


def judge_seq(last_seq: int | None, seq: int) -> SeqVerdict:
    """Compare a batch's bridge sequence with the highest one seen from that bridge."""
    if last_seq is None:
        return SeqVerdict(gap=0, out_of_order=False)
    if seq <= last_seq:
        return SeqVerdict(gap=0, out_of_order=True)
    return SeqVerdict(gap=seq - last_seq - 1, out_of_order=False)


def reading_problem(value: float, ts: datetime, physical: tuple[float, float] | None, now: datetime,
                    max_ahead: timedelta) -> RejectReason | None:
    if physical is None:
        return RejectReason.UNKNOWN_SENSOR
    if not math.isfinite(value):
        return RejectReason.NOT_FINITE
    if not physical[0] <= value <= physical[1]:
        return RejectReason.OUT_OF_RANGE
    if ts > now + max_ahead:
        return RejectReason.IN_THE_FUTURE
    return None


# --- series ----------------------------------------------------------------------------------------


def hour_start(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Point:
    at: datetime
    value: float
    min: float
    max: float
    count: int = 1


def bucketed(points: Iterable[tuple[datetime, float, float, float, int]], since: datetime, until: datetime,
             max_points: int) -> list[Point]:
    """(at, sum, min, max, count) rows merged into at most max_points equal buckets; value is the mean."""
    span = (until - since).total_seconds()
    width = max(span / max_points, 1e-6)
    merged: dict[int, list[float]] = {}
    for at, total, low, high, count in points:
        index = min(max_points - 1, max(0, int((at - since).total_seconds() // width)))
        slot = merged.get(index)
        if slot is None:
            merged[index] = [total, low, high, count]
        else:
            slot[0] += total
            slot[1] = min(slot[1], low)
            slot[2] = max(slot[2], high)
            slot[3] += count
    return [Point(at=since + timedelta(seconds=index * width), value=s / c, min=lo, max=hi, count=int(c))
            for index, (s, lo, hi, c) in sorted(merged.items()) if c]


def raw_fits(since: datetime, until: datetime, polling_seconds: float, limit: int) -> bool:
    """Whether the raw readings of the range are few enough to read and bucket directly."""
    return (until - since).total_seconds() / max(polling_seconds, 0.1) <= limit


class BridgeStatus(enum.StrEnum):
    """How a sensor bridge looks from the backend."""

    OK = "OK"
    NOT_FORWARDING = "NOT_FORWARDING"
    """It reports, but batches wait in its outbox and none reached the backend within the stall time."""
    SILENT = "SILENT"
    """Neither a batch nor a heartbeat within the stall time."""


def bridge_status(*, last_batch_at: datetime | None, reported_at: datetime | None, outbox_batches: int,
                  now: datetime, stall_s: float, started_at: datetime | None = None) -> tuple[BridgeStatus, str]:
    """A bridge's status and why, from what the backend last heard of it: its batches, its heartbeats (with its
    outbox depth and start time). Stalled means for longer than ``stall_s``: a bridge that just started, or has a
    batch or two in flight, is not."""
    heard = max((at for at in (last_batch_at, reported_at) if at is not None), default=None)
    if heard is None:
        return BridgeStatus.SILENT, "never heard from"
    if (now - heard).total_seconds() > stall_s:
        return BridgeStatus.SILENT, f"no batch or heartbeat since {heard.isoformat(timespec='seconds')}"
    since_at = last_batch_at or started_at
    if outbox_batches > 0 and (since_at is None or (now - since_at).total_seconds() > stall_s):
        since = since_at.isoformat(timespec="seconds") if since_at else "it started"
        return BridgeStatus.NOT_FORWARDING, (f"{outbox_batches} batch(es) waiting in its outbox; none arrived "
                                             f"since {since}")
    return BridgeStatus.OK, "forwarding"


def bridge_alert_key(device_id: object) -> str:
    """The dedupe key of a bridge's "stopped forwarding" alert."""
    return f"sensor-bridge:{device_id}:stalled"
