"""Edge rules: hysteresis, power cut, rate of change, faults, silence — pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.sensors import PHYSICAL_RANGE, AlarmEvent, LocationType, SensorFault, SensorKind, SensorLevel
from sensors.rules import (
    ReadingVerdict,
    SensorConfig,
    SensorState,
    Thresholds,
    check_silence,
    default_thresholds,
    evaluate,
    zone_action,
    zone_holders_after,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def config(kind: SensorKind, location: LocationType | None = None, **extra: object) -> SensorConfig:
    low, high = PHYSICAL_RANGE[kind]
    return SensorConfig(sensor_id="S1", kind=kind, location_type=location, power_zone="z1",
                        physical_min=low, physical_max=high,
                        thresholds=default_thresholds(kind, location), **extra)


def run(cfg: SensorConfig, values: list[float], step_s: float = 10.0):
    state, events = SensorState(), []
    for i, value in enumerate(values):
        result = evaluate(cfg, state, value, T0 + timedelta(seconds=i * step_s))
        state = result.state
        events.append([c.event for c in result.changes])
    return state, events


def test_working_face_methane_alarm_cut_restore_hysteresis() -> None:
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE)
    state, events = run(cfg, [0.4, 1.0, 1.4, 1.5, 1.2, 1.0, 0.99, 0.5])
    assert events[1] == [AlarmEvent.LEVEL_CHANGED]  # alarm at 1.0
    assert events[2] == []
    assert events[3] == [AlarmEvent.POWER_CUT]  # cut at 1.5
    assert events[4] == [] and events[5] == []  # held until below restore 1.0
    assert events[6] == [AlarmEvent.LEVEL_CHANGED, AlarmEvent.POWER_RESTORED]
    assert state.level is SensorLevel.NORMAL and not state.power_cut


def test_return_airway_cuts_at_alarm() -> None:
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE_RETURN)
    _, events = run(cfg, [0.5, 1.0])
    assert events[1] == [AlarmEvent.LEVEL_CHANGED, AlarmEvent.POWER_CUT]


def test_oxygen_low_alarm() -> None:
    state, events = run(config(SensorKind.O2), [20.9, 19.5, 20.5])
    assert events[1] == [AlarmEvent.LEVEL_CHANGED] and events[2] == [AlarmEvent.LEVEL_CHANGED]
    assert state.level is SensorLevel.NORMAL


def test_roof_separation_rate_of_change_and_levels() -> None:
    cfg = config(SensorKind.ROOF_SEPARATION)
    values = [3.0 + 0.25 * i for i in range(10)]  # +2.25 mm within 90 s
    state, events = run(cfg, values)
    assert AlarmEvent.RATE_RAISED in events[8]
    assert state.rate_alarm and state.level is SensorLevel.NORMAL
    _, events = run(cfg, [9.0, 9.5, 10.0, 25.0])
    assert events[2] == [AlarmEvent.LEVEL_CHANGED]  # yellow at 10 mm


def test_rate_window_forgets_old_values() -> None:
    cfg = config(SensorKind.ROOF_SEPARATION)
    _, events = run(cfg, [3.0, 4.0, 5.5], step_s=3000.0)  # 1 mm per 50 min
    assert not any(AlarmEvent.RATE_RAISED in e for e in events)


def test_out_of_range_is_a_fault_and_not_judged() -> None:
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE, cut_on_fault=True)
    state, events = run(cfg, [0.4, 150.0, 0.4])
    assert events[1] == [AlarmEvent.FAULT_RAISED, AlarmEvent.POWER_CUT]  # fail-safe
    assert events[2] == [AlarmEvent.FAULT_CLEARED, AlarmEvent.POWER_RESTORED]
    assert state.fault is None and state.level is SensorLevel.NORMAL


def test_stuck_value_is_a_fault() -> None:
    cfg = config(SensorKind.CO, stuck_readings=5)
    state, events = run(cfg, [3.0] * 5)
    assert events[4] == [AlarmEvent.FAULT_RAISED] and state.fault is SensorFault.STUCK


def test_duplicate_and_out_of_order_readings() -> None:
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE)
    state = evaluate(cfg, SensorState(), 0.5, T0 + timedelta(seconds=10)).state
    assert evaluate(cfg, state, 0.5, T0 + timedelta(seconds=10)).verdict is ReadingVerdict.DUPLICATE
    late = evaluate(cfg, state, 0.4, T0)
    assert late.verdict is ReadingVerdict.STALE and late.changes == [] and late.state == state


def test_a_late_reading_over_the_cut_limit_still_cuts_but_never_restores() -> None:
    """Issue 9.1: staleness never silences the thresholds; a late reading only raises."""
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE)
    state = evaluate(cfg, SensorState(), 0.5, T0 + timedelta(seconds=10)).state
    late = evaluate(cfg, state, 1.6, T0)
    assert late.verdict is ReadingVerdict.STALE
    assert [c.event for c in late.changes] == [AlarmEvent.LEVEL_CHANGED, AlarmEvent.POWER_CUT]
    assert late.state.power_cut and late.state.level is SensorLevel.ALARM
    assert late.state.last_ts == T0 + timedelta(seconds=10) and late.state.last_value == 0.5  # still the latest
    cut = evaluate(cfg, SensorState(), 1.6, T0 + timedelta(seconds=10)).state
    low = evaluate(cfg, cut, 0.2, T0)  # an older low value must not restore what a newer one cut
    assert low.changes == [] and low.state.power_cut and low.state.level is SensorLevel.ALARM
    same_ts = evaluate(cfg, state, 1.7, T0 + timedelta(seconds=10))  # a clock stuck on one second: not a duplicate
    assert AlarmEvent.POWER_CUT in [c.event for c in same_ts.changes]


def test_a_reading_too_far_ahead_is_rejected_and_orders_nothing() -> None:
    """Issue 9.1: one reading dated a day ahead made every later one stale and the cut never came."""
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE)
    now = T0 + timedelta(hours=1)
    state = evaluate(cfg, SensorState(), 0.4, now - timedelta(seconds=2), now=now).state
    ahead = evaluate(cfg, state, 0.4, now + timedelta(days=1), now=now)
    assert ahead.verdict is ReadingVerdict.AHEAD and ahead.changes == [] and ahead.state == state
    assert evaluate(cfg, state, 0.4, now + timedelta(seconds=300), now=now).verdict is ReadingVerdict.EVALUATED
    assert evaluate(cfg, state, 0.4, now + timedelta(seconds=301), now=now).verdict is ReadingVerdict.AHEAD
    assert evaluate(cfg, state, 0.4, now + timedelta(seconds=61), now=now,
                    max_ahead_s=60).verdict is ReadingVerdict.AHEAD
    cut = evaluate(cfg, state, 1.6, now, now=now)
    assert cut.verdict is ReadingVerdict.EVALUATED and AlarmEvent.POWER_CUT in [c.event for c in cut.changes]


def test_a_latest_reading_dated_too_far_ahead_no_longer_orders_the_readings() -> None:
    """A state kept from before the edge check (or a bridge clock stepped back) holds a latest dated a day ahead."""
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE)
    now = T0 + timedelta(hours=1)
    poisoned = SensorState(last_value=0.4, last_ts=now + timedelta(days=1), same_count=1)
    result = evaluate(cfg, poisoned, 1.6, now, now=now)
    assert result.verdict is ReadingVerdict.EVALUATED and result.state.last_ts == now
    assert [c.event for c in result.changes] == [AlarmEvent.LEVEL_CHANGED, AlarmEvent.POWER_CUT]
    then = evaluate(cfg, result.state, 0.5, now + timedelta(seconds=2), now=now + timedelta(seconds=2))
    assert AlarmEvent.POWER_RESTORED in [c.event for c in then.changes]  # and the readings judge fully again


def test_a_sensor_clock_ahead_within_the_allowance_then_corrected_still_cuts() -> None:
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE)
    now = T0 + timedelta(hours=1)
    state = evaluate(cfg, SensorState(), 0.4, now + timedelta(seconds=200), now=now).state  # 200 s fast: accepted
    corrected = evaluate(cfg, state, 1.6, now + timedelta(seconds=1), now=now + timedelta(seconds=1))
    assert corrected.verdict is ReadingVerdict.STALE and corrected.state.power_cut
    assert AlarmEvent.POWER_CUT in [c.event for c in corrected.changes]


def test_a_late_replay_older_than_two_polling_cycles_is_history_only() -> None:
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE, polling_seconds=10)
    now = T0 + timedelta(hours=1)
    state = evaluate(cfg, SensorState(), 0.4, now, now=now).state
    old = evaluate(cfg, state, 1.6, now - timedelta(seconds=21), now=now)
    assert old.verdict is ReadingVerdict.STALE and old.changes == [] and not old.state.power_cut


def test_silence_is_judged_by_the_bridge_clock_not_the_device_clock() -> None:
    cfg = config(SensorKind.CH4, LocationType.WORKING_FACE, polling_seconds=10)
    now = T0 + timedelta(hours=1)
    state = evaluate(cfg, SensorState(), 0.4, now + timedelta(seconds=200), now=now).state
    for second in (10, 20, 30):  # its clock corrected: every reading is late, yet the sensor reports
        state = evaluate(cfg, state, 0.4, now + timedelta(seconds=second), now=now + timedelta(seconds=second)).state
    assert check_silence(cfg, state, now + timedelta(seconds=45)).changes == []
    assert [c.event for c in check_silence(cfg, state, now + timedelta(seconds=51)).changes] == [
        AlarmEvent.FAULT_RAISED]


def test_silent_for_two_polling_cycles() -> None:
    cfg = config(SensorKind.TEMPERATURE, polling_seconds=10)
    state = evaluate(cfg, SensorState(), 22.0, T0).state
    assert check_silence(cfg, state, T0 + timedelta(seconds=20)).changes == []
    silent = check_silence(cfg, state, T0 + timedelta(seconds=21))
    assert [c.event for c in silent.changes] == [AlarmEvent.FAULT_RAISED]
    assert silent.state.fault is SensorFault.SILENT
    assert check_silence(cfg, silent.state, T0 + timedelta(seconds=40)).changes == []  # once
    back = evaluate(cfg, silent.state, 22.5, T0 + timedelta(seconds=41))
    assert [c.event for c in back.changes] == [AlarmEvent.FAULT_CLEARED]


def test_zone_is_restored_only_when_the_last_holder_releases() -> None:
    held = zone_holders_after(frozenset(), "a", True)
    assert zone_action(frozenset(), held) == "CUT"
    both = zone_holders_after(held, "b", True)
    assert zone_action(held, both) is None
    one = zone_holders_after(both, "a", False)
    assert zone_action(both, one) is None
    assert zone_action(one, zone_holders_after(one, "b", False)) == "RESTORE"


def test_inconsistent_thresholds_are_refused() -> None:
    with pytest.raises(ValueError, match="restore"):
        Thresholds(alarm=1.0, restore=1.5)
