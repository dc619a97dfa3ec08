"""Edge rules of the bridge as pure functions over plain data.

A KJ monitoring substation decides alarm and power cut itself; so does the bridge, from the
thresholds it was given (defaults in :mod:`contracts.sensors`). Nothing here does I/O: every
function takes the previous state and returns a new one plus the changes to announce.

Hysteresis: a sensor enters ALARM at ``value >= alarm`` and leaves it only at ``value < restore``;
power is cut at ``value >= power_cut`` and restored only at ``value < restore`` (``restore``
defaults to ``alarm``). Low limits (oxygen, air speed) work the other way round.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from contracts.sensors import (
    MAX_AHEAD_SECONDS,
    AlarmEvent,
    LocationType,
    SensorFault,
    SensorKind,
    SensorLevel,
)
from contracts.sensors import default_thresholds as default_limits

SILENT_CYCLES = 2


class Thresholds(BaseModel):
    """Alarm limits of one sensor; ``None`` means the limit does not apply."""

    model_config = ConfigDict(frozen=True)

    warning: float | None = None
    alarm: float | None = None
    power_cut: float | None = None
    restore: float | None = None
    low_alarm: float | None = None
    low_restore: float | None = None
    rate_delta: float | None = Field(default=None, gt=0)
    rate_window_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> Thresholds:
        if self.restore is not None and self.alarm is not None and self.restore > self.alarm:
            raise ValueError("restore must not be above the alarm threshold")
        if self.power_cut is not None and self.alarm is not None and self.power_cut < self.alarm:
            raise ValueError("power_cut must not be below the alarm threshold")
        if self.warning is not None and self.alarm is not None and self.warning > self.alarm:
            raise ValueError("warning must not be above the alarm threshold")
        if (self.rate_delta is None) != (self.rate_window_s is None):
            raise ValueError("rate_delta and rate_window_s go together")
        return self

    @property
    def high_clear(self) -> float | None:
        """Below this value a high alarm and a power cut are released."""
        return self.restore if self.restore is not None else self.alarm

    @property
    def cut_clear(self) -> float | None:
        if self.restore is not None:
            return self.restore
        return self.alarm if self.alarm is not None else self.power_cut


def default_thresholds(kind: SensorKind, location_type: LocationType | None) -> Thresholds | None:
    """The DOMAIN.md default for a sensor kind at a location (``contracts.sensors``) as the bridge's Thresholds."""
    limits = default_limits(kind, location_type)
    return Thresholds(**limits) if limits is not None else None


class SensorConfig(BaseModel):
    """One sensor as the bridge knows it (from the backend's ``sensorBridgeConfig``)."""

    sensor_id: str
    kind: SensorKind
    location_type: LocationType | None = None
    power_zone: str | None = None
    polling_seconds: float = Field(default=10.0, gt=0)
    physical_min: float
    physical_max: float
    stuck_readings: int = Field(default=60, ge=2, description="same value this many times = stuck")
    cut_on_fault: bool = Field(default=False, description="fail-safe: a faulty sensor holds its zone cut")
    thresholds: Thresholds = Field(default_factory=Thresholds)


@dataclass(slots=True)
class SensorState:
    """What the bridge remembers about a sensor between readings (JSON through ``STATE`` / ``STATES``).

    A plain dataclass, never changed in place: one is built per reading on the safety path, where a pydantic
    model's copy and validated assignments were most of a reading's cost."""

    level: SensorLevel = SensorLevel.NORMAL
    power_cut: bool = False
    rate_alarm: bool = False
    fault: SensorFault | None = None
    last_value: float | None = None
    last_ts: datetime | None = None
    same_count: int = 0
    window: list[tuple[datetime, float]] = field(default_factory=list)
    seen_at: datetime | None = None
    """The bridge's clock when the sensor last reported: silence is judged by it, never by a device clock."""

    @property
    def holds_cut(self) -> bool:
        return self.power_cut


STATE = TypeAdapter(SensorState)
STATES = TypeAdapter(dict[str, SensorState])


class AlarmChange(BaseModel):
    """One change of a sensor's state, forwarded to the backend."""

    sensor_id: str
    event: AlarmEvent
    level: SensorLevel
    fault: SensorFault | None = None
    value: float | None
    ts: datetime
    detail: str
    drill_id: str | None = None  # a drill's change (drill topic): the backend raises a drill alert, never a real one


class ReadingVerdict(enum.StrEnum):
    EVALUATED = "EVALUATED"
    FAULTY = "FAULTY"
    STALE = "STALE"
    """Dated at or before the sensor's latest reading: kept for history; it may still raise (never lower)."""
    DUPLICATE = "DUPLICATE"
    AHEAD = "AHEAD"
    """Dated too far ahead of the bridge's clock: rejected at the edge, as the backend rejects it."""


@dataclass(slots=True)
class Evaluation:
    """A reading's (or a silence check's) outcome: a plain dataclass, built once per reading on the safety path."""

    state: SensorState
    verdict: ReadingVerdict
    changes: list[AlarmChange] = field(default_factory=list)


def level_for(thresholds: Thresholds, value: float, previous: SensorLevel) -> SensorLevel:
    """The alarm level after ``value``, with hysteresis on the way down."""
    t = thresholds
    if t.alarm is not None and value >= t.alarm:
        return SensorLevel.ALARM
    if t.low_alarm is not None and value < t.low_alarm:
        return SensorLevel.ALARM
    if previous is SensorLevel.ALARM:
        high_holding = t.high_clear is not None and t.alarm is not None and value >= t.high_clear
        low_clear = t.low_restore if t.low_restore is not None else t.low_alarm
        low_holding = low_clear is not None and t.low_alarm is not None and value < low_clear
        if high_holding or low_holding:
            return SensorLevel.ALARM
    if t.warning is not None and value >= t.warning:
        return SensorLevel.WARNING
    return SensorLevel.NORMAL


def power_cut_for(thresholds: Thresholds, value: float, previously_cut: bool) -> bool:
    """Whether this sensor holds its power zone cut after ``value`` (cut / restore hysteresis)."""
    t = thresholds
    if t.power_cut is None:
        return False
    if value >= t.power_cut:
        return True
    clear = t.cut_clear
    return previously_cut and clear is not None and value >= clear


def rate_exceeded(
    thresholds: Thresholds, window: list[tuple[datetime, float]], ts: datetime, value: float
) -> tuple[bool, list[tuple[datetime, float]]]:
    """Rise within the rate window (e.g. roof separation +2 mm in an hour); returns the pruned window."""
    t = thresholds
    if t.rate_delta is None or t.rate_window_s is None:
        return False, []
    kept = [(at, v) for at, v in window if (ts - at).total_seconds() <= t.rate_window_s]
    kept.append((ts, value))
    lowest = min(v for _, v in kept)
    return value - lowest >= t.rate_delta, kept


def _change(config: SensorConfig, event: AlarmEvent, level: SensorLevel, fault: SensorFault | None, value: float | None,
            ts: datetime, detail: str) -> AlarmChange:
    return AlarmChange(sensor_id=config.sensor_id, event=event, level=level, fault=fault, value=value, ts=ts,
                       detail=detail)


def evaluate(config: SensorConfig, state: SensorState, value: float, ts: datetime, *,
             now: datetime | None = None, max_ahead_s: float = MAX_AHEAD_SECONDS,
             ahead_limit: datetime | None = None) -> Evaluation:
    """Apply one reading to a sensor's state: range and stuck checks, levels, power cut, rate.

    With ``now`` (the bridge's clock; the bridge always passes it) a reading dated more than ``max_ahead_s`` ahead
    is rejected (verdict AHEAD) and never becomes the sensor's latest, and a latest dated that far ahead (a state
    kept from before this check, or a clock that stepped back) no longer orders the readings: no device clock can
    make later readings "stale". A reading dated at or before the latest is still judged, upwards only (see
    :func:`_late`). ``ahead_limit`` (``now`` + ``max_ahead_s``) may be given when many readings share one ``now``.

    This runs for every reading on the bridge's network thread, before any power-cut command: the new state is
    computed in locals and built with one shallow copy (no deep copy, no validated attribute assignments)."""
    if now is not None:
        limit = ahead_limit or now + timedelta(seconds=max_ahead_s)
        if ts > limit:
            return Evaluation(state=state, verdict=ReadingVerdict.AHEAD)
        if state.last_ts is not None and state.last_ts > limit:
            state = replace(state, last_ts=None, window=[])
    if state.last_ts is not None and ts <= state.last_ts:
        if ts == state.last_ts and value == state.last_value:
            return Evaluation(state=state, verdict=ReadingVerdict.DUPLICATE)
        return _late(config, state, value, ts, now)

    changes: list[AlarmChange] = []
    same = state.last_value is not None and value == state.last_value
    same_count = state.same_count + 1 if same else 1
    fault: SensorFault | None = None
    if not config.physical_min <= value <= config.physical_max:
        fault = SensorFault.OUT_OF_RANGE
    elif same_count >= config.stuck_readings:
        fault = SensorFault.STUCK
    if fault is not None:
        power_cut = state.power_cut
        if state.fault != fault:
            changes.append(_change(config, AlarmEvent.FAULT_RAISED, state.level, fault, value, ts,
                                   f"{config.sensor_id} fault {fault.value} at {value:g}"))
        else:
            fault = state.fault
        if config.cut_on_fault and config.power_zone and not state.power_cut:
            power_cut = True
            changes.append(_change(config, AlarmEvent.POWER_CUT, state.level, fault, value, ts,
                                   f"fail-safe cut of {config.power_zone}: sensor fault"))
        new = SensorState(level=state.level, power_cut=power_cut, rate_alarm=state.rate_alarm, fault=fault,
                          last_value=value, last_ts=ts, same_count=same_count, window=state.window, seen_at=now)
        return Evaluation(state=new, verdict=ReadingVerdict.FAULTY, changes=changes)

    if state.fault is not None:
        changes.append(_change(config, AlarmEvent.FAULT_CLEARED, state.level, None, value, ts,
                               f"{config.sensor_id} reports again ({value:g})"))
    t = config.thresholds
    level = level_for(t, value, state.level)
    if level != state.level:
        changes.append(_change(config, AlarmEvent.LEVEL_CHANGED, level, None, value, ts,
                               f"{config.kind.value} {value:g}: {state.level.value} → {level.value}"))
    power_cut = power_cut_for(t, value, state.power_cut and state.fault is None)
    if power_cut and not state.power_cut:
        changes.append(_change(config, AlarmEvent.POWER_CUT, level, None, value, ts,
                               f"{config.kind.value} {value:g} ≥ {t.power_cut:g}: cut {config.power_zone}"))
    elif state.power_cut and not power_cut:
        changes.append(_change(config, AlarmEvent.POWER_RESTORED, level, None, value, ts,
                               f"{config.kind.value} {value:g} below restore: restore {config.power_zone}"))
    rate_alarm, window = rate_exceeded(t, state.window, ts, value)
    if rate_alarm and not state.rate_alarm:
        changes.append(_change(config, AlarmEvent.RATE_RAISED, level, None, value, ts,
                               f"{config.kind.value} rose ≥ {t.rate_delta:g} within {t.rate_window_s:g} s"))
    elif state.rate_alarm and not rate_alarm:
        changes.append(_change(config, AlarmEvent.RATE_CLEARED, level, None, value, ts,
                               f"{config.kind.value} rise back within limits"))
    new = SensorState(level=level, power_cut=power_cut, rate_alarm=rate_alarm, fault=None, last_value=value,
                      last_ts=ts, same_count=same_count, window=window, seen_at=now)
    return Evaluation(state=new, verdict=ReadingVerdict.EVALUATED, changes=changes)


def _late(config: SensorConfig, state: SensorState, value: float, ts: datetime,
          now: datetime | None) -> Evaluation:
    """A reading dated at or before the sensor's latest (delivered out of order, or its clock stepped back): kept
    for history and judged upwards only. It may raise the level or cut the power — staleness never silences the
    thresholds — but never lowers, restores or clears anything: a later reading decided that. A reading older
    than two polling cycles by the bridge's clock is history only (a late replay must not cut power now)."""
    seen = replace(state, seen_at=now) if now is not None else state
    if now is not None and (now - ts).total_seconds() > SILENT_CYCLES * config.polling_seconds:
        return Evaluation(state=seen, verdict=ReadingVerdict.STALE)
    if not config.physical_min <= value <= config.physical_max:
        return Evaluation(state=seen, verdict=ReadingVerdict.STALE)
    t = config.thresholds
    changes: list[AlarmChange] = []
    level = level_for(t, value, state.level)
    if level.rank <= state.level.rank:
        level = state.level
    else:
        changes.append(_change(config, AlarmEvent.LEVEL_CHANGED, level, None, value, ts,
                               f"{config.kind.value} {value:g} (late reading): {state.level.value} → {level.value}"))
    power_cut = state.power_cut
    if not power_cut and power_cut_for(t, value, False):
        power_cut = True
        changes.append(_change(config, AlarmEvent.POWER_CUT, level, None, value, ts,
                               f"{config.kind.value} {value:g} ≥ {t.power_cut:g} (late reading): cut "
                               f"{config.power_zone}"))
    if not changes:
        return Evaluation(state=seen, verdict=ReadingVerdict.STALE)
    return Evaluation(state=replace(seen, level=level, power_cut=power_cut), verdict=ReadingVerdict.STALE,
                      changes=changes)


def last_heard(state: SensorState) -> datetime | None:
    """When the sensor last reported: the bridge's clock, or (a state without it) the latest reading's time."""
    return state.seen_at if state.seen_at is not None else state.last_ts


def check_silence(config: SensorConfig, state: SensorState, now: datetime) -> Evaluation:
    """A sensor silent for two polling cycles is a fault (AQ 6201), by the bridge's clock (``seen_at``) when the
    state has it, else by the latest reading's time."""
    last = last_heard(state)
    if last is None or state.fault is SensorFault.SILENT:
        return Evaluation(state=state, verdict=ReadingVerdict.EVALUATED)
    if (now - last).total_seconds() <= SILENT_CYCLES * config.polling_seconds:
        return Evaluation(state=state, verdict=ReadingVerdict.EVALUATED)
    fault = SensorFault.SILENT
    changes = [_change(config, AlarmEvent.FAULT_RAISED, state.level, fault, None, now,
                       f"{config.sensor_id} silent since {last.isoformat()}")]
    power_cut = state.power_cut
    if config.cut_on_fault and config.power_zone and not state.power_cut:
        power_cut = True
        changes.append(_change(config, AlarmEvent.POWER_CUT, state.level, fault, None, now,
                               f"fail-safe cut of {config.power_zone}: sensor silent"))
    new = replace(state, fault=fault, power_cut=power_cut)
    return Evaluation(state=new, verdict=ReadingVerdict.FAULTY, changes=changes)


def zone_holders_after(holders: frozenset[str], sensor_id: str, holds_cut: bool) -> frozenset[str]:
    """The sensors holding a zone cut after one sensor's decision."""
    return holders | {sensor_id} if holds_cut else holders - {sensor_id}


def zone_action(before: frozenset[str], after: frozenset[str]) -> str | None:
    """``"CUT"`` when the first sensor cuts a zone, ``"RESTORE"`` when the last one releases it."""
    if after and not before:
        return "CUT"
    if before and not after:
        return "RESTORE"
    return None
