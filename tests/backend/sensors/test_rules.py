"""Pure rules of the sensor domain, and that the backend, the contract and the bridge name the same limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.sensors import rules
from backend.sensors.defaults import DEFAULT_PROFILES, KIND_DEFAULTS
from backend.sensors.rules import AlarmEvent, AlertImpact, Condition, SensorLevel, ThresholdValues
from contracts.sensors import THRESHOLD_FIELDS
from sensors import rules as bridge_rules

T = datetime(2026, 11, 30, 8, tzinfo=UTC)


def test_threshold_fields_match_the_bridge() -> None:
    assert list(rules.THRESHOLD_FIELDS) == list(THRESHOLD_FIELDS) == list(bridge_rules.Thresholds.model_fields)
    assert set(KIND_DEFAULTS) == set(rules.SensorKind)
    assert len({(k, loc) for k, loc, _ in DEFAULT_PROFILES}) == len(DEFAULT_PROFILES)


@pytest.mark.parametrize(("event", "level", "condition", "severity"), [
    (AlarmEvent.POWER_CUT, SensorLevel.ALARM, Condition.POWER_CUT, AlertImpact.CRITICAL),
    (AlarmEvent.POWER_RESTORED, SensorLevel.NORMAL, Condition.POWER_CUT, None),
    (AlarmEvent.LEVEL_CHANGED, SensorLevel.ALARM, Condition.LEVEL, AlertImpact.ALARM),
    (AlarmEvent.LEVEL_CHANGED, SensorLevel.WARNING, Condition.LEVEL, AlertImpact.WARNING),
    (AlarmEvent.LEVEL_CHANGED, SensorLevel.NORMAL, Condition.LEVEL, None),
    (AlarmEvent.RATE_RAISED, SensorLevel.WARNING, Condition.RATE, AlertImpact.ALARM),
    (AlarmEvent.RATE_CLEARED, SensorLevel.WARNING, Condition.RATE, None),
    (AlarmEvent.FAULT_RAISED, SensorLevel.NORMAL, Condition.FAULT, AlertImpact.WARNING),
    (AlarmEvent.FAULT_CLEARED, SensorLevel.NORMAL, Condition.FAULT, None),
])
def test_alert_action(event, level, condition, severity) -> None:  # type: ignore[no-untyped-def]
    action = rules.alert_action(event, level)
    assert (action.condition, action.raise_severity, action.resolves) == (condition, severity, severity is None)


def test_thresholds_checked_like_the_bridge_does() -> None:
    assert rules.threshold_problems(ThresholdValues(alarm=1.0, power_cut=1.5, restore=1.0)) == []
    assert rules.threshold_problems(ThresholdValues(alarm=1.0, restore=1.2))[0][0] == "restore"
    assert rules.threshold_problems(ThresholdValues(alarm=1.0, power_cut=0.5))[0][0] == "powerCut"
    assert rules.threshold_problems(ThresholdValues(rate_delta=2.0))[0][0] == "rateDelta"
    assert rules.threshold_problems(ThresholdValues(alarm=float("nan")))
    merged = ThresholdValues(alarm=1.0, power_cut=1.5).merged({"alarm": 0.8, "power_cut": None, "junk": 3})
    assert merged == ThresholdValues(alarm=0.8)


def test_sequence_judgement() -> None:
    assert rules.judge_seq(None, 7) == rules.SeqVerdict(gap=0, out_of_order=False)
    assert rules.judge_seq(7, 8) == rules.SeqVerdict(gap=0, out_of_order=False)
    assert rules.judge_seq(7, 10) == rules.SeqVerdict(gap=2, out_of_order=False)
    assert rules.judge_seq(7, 7) == rules.SeqVerdict(gap=0, out_of_order=True)


def test_reading_problems_and_online() -> None:
    ahead = timedelta(days=1)
    assert rules.reading_problem(0.5, T, (0, 100), T, ahead) is None
    assert rules.reading_problem(0.5, T, None, T, ahead) is rules.RejectReason.UNKNOWN_SENSOR
    assert rules.reading_problem(float("inf"), T, (0, 100), T, ahead) is rules.RejectReason.NOT_FINITE
    assert rules.reading_problem(101, T, (0, 100), T, ahead) is rules.RejectReason.OUT_OF_RANGE
    assert rules.reading_problem(1, T + timedelta(days=2), (0, 100), T, ahead) is rules.RejectReason.IN_THE_FUTURE
    assert rules.is_online(T, 10, None, T + timedelta(seconds=20))
    assert not rules.is_online(T, 10, None, T + timedelta(seconds=30))
    assert not rules.is_online(T, 10, rules.SensorFault.SILENT, T)
    assert not rules.is_online(None, 10, None, T)


def test_bucketed_is_bounded_and_exact() -> None:
    rows = [(T + timedelta(seconds=s), float(s % 3), float(s % 3), float(s % 3), 1) for s in range(1000)]
    points = rules.bucketed(rows, T, T + timedelta(seconds=1000), 7)
    assert len(points) == 7 and sum(p.count for p in points) == 1000
    assert all(p.min == 0 and p.max == 2 for p in points)
    assert rules.bucketed([], T, T + timedelta(hours=1), 10) == []
