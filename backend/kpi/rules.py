"""Pure KPI arithmetic over plain hazard and alert facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backend.hazards.rules import OPEN_STATES, HazardState


@dataclass(frozen=True, slots=True)
class HazardFact:
    """What the KPIs need to know about one hazard."""

    state: HazardState
    grade: str | None
    team_id: str | None
    created_at: datetime
    deadline: datetime | None
    closed_at: datetime | None


@dataclass
class GradeFigures:
    reported: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open: int = 0
    overdue: int = 0
    close_hours: list[float] = field(default_factory=list)

    @property
    def close_out_rate(self) -> float | None:
        return self.closed / self.reported if self.reported else None

    @property
    def on_time_rate(self) -> float | None:
        return self.closed_on_time / self.closed if self.closed else None

    @property
    def mean_hours_to_close(self) -> float | None:
        return sum(self.close_hours) / len(self.close_hours) if self.close_hours else None


@dataclass
class HazardKpis:
    by_grade: dict[str, GradeFigures]
    overdue_by_team: dict[str | None, int]


UNGRADED = "UNGRADED"


def hazard_kpis(facts: Iterable[HazardFact], now: datetime) -> HazardKpis:
    """Close-out rate, on-time rate and mean time to close by grade; overdue count by team.

    Dismissed reports are not hazards and count nowhere.
    """
    by_grade: dict[str, GradeFigures] = defaultdict(GradeFigures)
    overdue_by_team: dict[str | None, int] = defaultdict(int)
    for fact in facts:
        if fact.state is HazardState.DISMISSED:
            continue
        figures = by_grade[fact.grade or UNGRADED]
        figures.reported += 1
        if fact.state is HazardState.CLOSED and fact.closed_at is not None:
            figures.closed += 1
            figures.close_hours.append((fact.closed_at - fact.created_at) / timedelta(hours=1))
            if fact.deadline is None or fact.closed_at <= fact.deadline:
                figures.closed_on_time += 1
        elif fact.state in OPEN_STATES:
            figures.open += 1
            if fact.deadline is not None and now > fact.deadline:
                figures.overdue += 1
                overdue_by_team[fact.team_id] += 1
    return HazardKpis(by_grade=dict(by_grade), overdue_by_team=dict(overdue_by_team))


@dataclass
class VerdictFigures:
    """Warning accuracy (预警准确率): confirmed ÷ (confirmed + false alarm); unjudged alerts count in neither."""

    raised: int = 0
    confirmed: int = 0
    false_alarms: int = 0

    @property
    def unjudged(self) -> int:
        return self.raised - self.confirmed - self.false_alarms

    @property
    def warning_accuracy(self) -> float | None:
        judged = self.confirmed + self.false_alarms
        return self.confirmed / judged if judged else None


@dataclass
class AlertKpis:
    overall: VerdictFigures
    by_source: dict[str, VerdictFigures]


def alert_kpis(facts: Iterable[tuple[str, str | None]]) -> AlertKpis:
    """From (source, verdict) pairs, verdict CONFIRMED, FALSE_ALARM or None (not judged)."""
    overall = VerdictFigures()
    by_source: dict[str, VerdictFigures] = defaultdict(VerdictFigures)
    for source, verdict in facts:
        for figures in (overall, by_source[source]):
            figures.raised += 1
            figures.confirmed += verdict == "CONFIRMED"
            figures.false_alarms += verdict == "FALSE_ALARM"
    return AlertKpis(overall=overall, by_source=dict(by_source))


@dataclass(frozen=True, slots=True)
class SensorFact:
    """One active sensor: whether it is online now, and its readings against those due in the period."""

    kind: str
    online_now: bool
    readings_received: int
    readings_expected: float


@dataclass
class SensorFigures:
    """Sensor online rate (传感器在线率): online now ÷ active; data availability: received ÷ expected readings."""

    sensors: int = 0
    online_now: int = 0
    received: int = 0
    expected: float = 0.0

    @property
    def online_rate(self) -> float | None:
        return self.online_now / self.sensors if self.sensors else None

    @property
    def data_availability(self) -> float | None:
        return min(1.0, self.received / self.expected) if self.expected > 0 else None


@dataclass
class SensorKpis:
    overall: SensorFigures
    by_kind: dict[str, SensorFigures]


def expected_readings(*, period_start: datetime, period_end: datetime, registered_at: datetime,
                      polling_seconds: float) -> float:
    """Readings a sensor owes in the period: one per polling cycle since it was registered."""
    start = max(period_start, registered_at)
    span = (period_end - start).total_seconds()
    return span / polling_seconds if span > 0 and polling_seconds > 0 else 0.0


def sensor_kpis(facts: Iterable[SensorFact]) -> SensorKpis:
    overall = SensorFigures()
    by_kind: dict[str, SensorFigures] = defaultdict(SensorFigures)
    for fact in facts:
        for figures in (overall, by_kind[fact.kind]):
            figures.sensors += 1
            figures.online_now += fact.online_now
            # a sensor that sent more than it owed (a faster substation) cannot make up for a silent one
            figures.received += min(fact.readings_received, round(fact.readings_expected))
            figures.expected += fact.readings_expected
    return SensorKpis(overall=overall, by_kind=dict(by_kind))
