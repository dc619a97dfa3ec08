"""Pure alert rules: severity order, allowed steps, escalation by time, warning accuracy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.alerts.rules import (
    AlertStep,
    EscalationTarget,
    can_take,
    due_escalation_level,
    escalation_minutes,
    escalation_target,
    max_severity,
    warning_accuracy,
)
from backend.kpi.rules import alert_kpis
from contracts.alerts import AlertSeverity, AlertState

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
S = AlertSeverity


def test_severities_are_ordered() -> None:
    assert [s.rank for s in (S.INFO, S.WARNING, S.ALARM, S.CRITICAL)] == [0, 1, 2, 3]
    assert max_severity(S.ALARM, S.WARNING) is S.ALARM
    assert max_severity(S.WARNING, S.CRITICAL) is S.CRITICAL
    assert max_severity(S.INFO, S.INFO) is S.INFO


def test_steps_by_state() -> None:
    assert can_take(AlertStep.ACKNOWLEDGE, AlertState.RAISED)
    assert not can_take(AlertStep.ACKNOWLEDGE, AlertState.ACKNOWLEDGED)
    assert can_take(AlertStep.RESOLVE, AlertState.RAISED) and can_take(AlertStep.RESOLVE, AlertState.ACKNOWLEDGED)
    assert not can_take(AlertStep.RESOLVE, AlertState.RESOLVED)
    assert not can_take(AlertStep.ESCALATE, AlertState.ACKNOWLEDGED)


@pytest.mark.parametrize(("severity", "minutes", "level"), [
    (S.ALARM, 4.9, 0), (S.ALARM, 5, 1), (S.ALARM, 14, 1), (S.ALARM, 15, 2), (S.ALARM, 600, 2),
    (S.CRITICAL, 5, 1), (S.WARNING, 29, 0), (S.WARNING, 30, 1), (S.WARNING, 120, 2), (S.INFO, 10_000, 0),
])
def test_default_escalation_levels(severity: AlertSeverity, minutes: float, level: int) -> None:
    assert due_escalation_level(severity, AlertState.RAISED, T0, T0 + timedelta(minutes=minutes)) == level


def test_acknowledged_or_resolved_alerts_do_not_escalate() -> None:
    later = T0 + timedelta(hours=5)
    assert due_escalation_level(S.CRITICAL, AlertState.ACKNOWLEDGED, T0, later) == 0
    assert due_escalation_level(S.CRITICAL, AlertState.RESOLVED, T0, later) == 0


def test_a_mine_overrides_the_policy() -> None:
    policy = escalation_minutes({"ALARM": [10, 2], "WARNING": [], "BOGUS": [1]})
    assert policy[S.ALARM] == (2.0, 10.0)  # sorted
    assert policy[S.WARNING] == ()
    assert policy[S.CRITICAL] == (5.0, 15.0)  # default kept
    assert due_escalation_level(S.ALARM, AlertState.RAISED, T0, T0 + timedelta(minutes=3), policy) == 1
    assert due_escalation_level(S.WARNING, AlertState.RAISED, T0, T0 + timedelta(days=3), policy) == 0


def test_the_chain() -> None:
    assert escalation_target(0) is None
    assert escalation_target(1) is EscalationTarget.AREA_MANAGER
    assert escalation_target(2) is EscalationTarget.MINE_MANAGERS
    assert escalation_target(7) is EscalationTarget.MINE_MANAGERS


def test_warning_accuracy() -> None:
    assert warning_accuracy(0, 0) is None
    assert warning_accuracy(3, 1) == 0.75
    kpis = alert_kpis([("SENSOR", "CONFIRMED"), ("SENSOR", "FALSE_ALARM"), ("VISION", "CONFIRMED"),
                       ("VISION", None), ("MANUAL", None)])
    assert (kpis.overall.raised, kpis.overall.confirmed, kpis.overall.false_alarms, kpis.overall.unjudged) == \
        (5, 2, 1, 2)
    assert kpis.overall.warning_accuracy == pytest.approx(2 / 3)
    assert kpis.by_source["SENSOR"].warning_accuracy == 0.5
    assert kpis.by_source["MANUAL"].warning_accuracy is None
