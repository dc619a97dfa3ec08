"""Pure KPI arithmetic over plain facts: hazards, alerts, sensors, devices, training; units and periods.

No database and no clock: the caller passes the facts, the period and `now`/`as_of`.
"""

from __future__ import annotations

import enum
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from backend.hazards.rules import OPEN_STATES
from contracts.hazards import HazardState


def ratio(part: float, whole: float) -> float | None:
    """part ÷ whole; None when there is nothing to divide by (no data is not 0 %)."""
    return part / whole if whole else None


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True, slots=True)
class HazardFact:
    """What the KPIs need to know about one hazard."""

    state: HazardState
    grade: str | None
    team_id: str | None
    created_at: datetime
    deadline: datetime | None
    closed_at: datetime | None
    hazard_id: str = ""
    area_id: str | None = None
    responsible_id: str | None = None
    level: str | None = None


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
        return ratio(self.closed, self.reported)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.closed_on_time, self.closed)

    @property
    def mean_hours_to_close(self) -> float | None:
        return mean(self.close_hours)


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
        return ratio(self.online_now, self.sensors)

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


# --- periods -------------------------------------------------------------------------------
DEFAULT_TIMEZONE = "Asia/Shanghai"


class PeriodKind(enum.StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"      # Monday to Monday, in the mine's time zone
    MONTH = "MONTH"
    CUSTOM = "CUSTOM"


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span [start, end) in UTC, with the label people read (2026-11, 2026-W47, 2026-11-03)."""

    kind: PeriodKind
    start: datetime
    end: datetime
    label: str


def period_containing(kind: PeriodKind, anchor: datetime, timezone: str = DEFAULT_TIMEZONE) -> Period:
    """The day, week or month (in the mine's local time) that contains anchor."""
    zone = ZoneInfo(timezone)
    local = anchor.astimezone(zone)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind is PeriodKind.DAY:
        start, end, label = day, day + timedelta(days=1), day.strftime("%Y-%m-%d")
    elif kind is PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
        year, week, _ = start.isocalendar()
        label = f"{year}-W{week:02d}"
    elif kind is PeriodKind.MONTH:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        label = start.strftime("%Y-%m")
    else:
        raise ValueError("a custom period has explicit bounds")
    # local midnights, made again in the zone so a DST change inside the span cannot shift them
    start = start.replace(tzinfo=None).replace(tzinfo=zone)
    end = end.replace(tzinfo=None).replace(tzinfo=zone)
    return Period(kind=kind, start=start.astimezone(UTC), end=end.astimezone(UTC), label=label)


def month_period(month: str, timezone: str = DEFAULT_TIMEZONE) -> Period:
    """The calendar month 'YYYY-MM' in the mine's time zone."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ValueError(f"{month!r} is not a month (YYYY-MM)")
    year, number = int(month[:4]), int(month[5:])
    return period_containing(PeriodKind.MONTH, datetime(year, number, 15, 12, tzinfo=ZoneInfo(timezone)), timezone)


def custom_period(start: datetime, end: datetime) -> Period:
    if start >= end:
        raise ValueError("a period's start must be before its end")
    return Period(kind=PeriodKind.CUSTOM, start=start.astimezone(UTC), end=end.astimezone(UTC),
                  label=f"{start.astimezone(UTC):%Y-%m-%d %H:%M}–{end.astimezone(UTC):%Y-%m-%d %H:%M}")


def trailing_periods(kind: PeriodKind, anchor: datetime, count: int, timezone: str = DEFAULT_TIMEZONE
                     ) -> list[Period]:
    """The `count` periods of a kind ending with the one that contains anchor, oldest first."""
    periods = [period_containing(kind, anchor, timezone)]
    while len(periods) < count:
        periods.append(period_containing(kind, periods[-1].start - timedelta(seconds=1), timezone))
    return periods[::-1]


# --- units ---------------------------------------------------------------------------------
class UnitKind(enum.StrEnum):
    """What a figure is for. DISTRICT (区队) comes with the org structure; until then no area has one."""

    MINE = "MINE"
    DISTRICT = "DISTRICT"
    AREA = "AREA"
    TEAM = "TEAM"
    PERSON = "PERSON"


@dataclass(frozen=True, slots=True)
class Unit:
    kind: UnitKind
    id: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True)
class OrgMap:
    """Who belongs where, as plain ids: the mine, each area's district, each team's area, each person's team."""

    mine_id: str
    area_district: Mapping[str, str] = field(default_factory=dict)
    team_area: Mapping[str, str] = field(default_factory=dict)
    person_team: Mapping[str, str] = field(default_factory=dict)
    person_area: Mapping[str, str] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, unit: Unit) -> str:
        return self.names.get(unit.key, unit.id)

    def units_of(self, kind: UnitKind) -> list[Unit]:
        """Every unit of a kind in the mine (for rankings), in a stable order."""
        if kind is UnitKind.MINE:
            return [Unit(kind, self.mine_id)]
        ids: Iterable[str] = {
            UnitKind.DISTRICT: set(self.area_district.values()),
            UnitKind.AREA: {key.split(":", 1)[1] for key in self.names if key.startswith("AREA:")},
            UnitKind.TEAM: {key.split(":", 1)[1] for key in self.names if key.startswith("TEAM:")},
            UnitKind.PERSON: {key.split(":", 1)[1] for key in self.names if key.startswith("PERSON:")},
        }[kind]
        return sorted((Unit(kind, i) for i in ids), key=lambda u: (self.name(u), u.id))


def place_in(unit: Unit, org: OrgMap, *, area_id: str | None, team_id: str | None = None,
             person_id: str | None = None) -> bool:
    """Whether a record at (area, team, person) counts for a unit.

    An area counts what happened in it; a district its areas'; a team what names it, or what happened in its
    area when the record names neither team nor person (alerts, sensors, devices); a person what names them.
    """
    if unit.kind is UnitKind.MINE:
        return unit.id == org.mine_id
    if unit.kind is UnitKind.AREA:
        return area_id == unit.id
    if unit.kind is UnitKind.DISTRICT:
        return area_id is not None and org.area_district.get(area_id) == unit.id
    if unit.kind is UnitKind.TEAM:
        if team_id is not None or person_id is not None:
            return team_id == unit.id
        return area_id is not None and org.team_area.get(unit.id) == area_id
    return person_id is not None and person_id == unit.id


def person_in(unit: Unit, org: OrgMap, person_id: str) -> bool:
    """Whether a person's own records (training) count for a unit: their team, its area, the district."""
    team = org.person_team.get(person_id)
    area = org.person_area.get(person_id) or (org.team_area.get(team) if team else None)
    if unit.kind is UnitKind.PERSON:
        return person_id == unit.id
    if unit.kind is UnitKind.TEAM:
        return team == unit.id
    return place_in(unit, org, area_id=area)


def is_area_bound(unit: Unit) -> bool:
    """Alerts, sensors and devices belong to places: a person has none of their own."""
    return unit.kind is not UnitKind.PERSON


# --- hazards per unit and period -------------------------------------------------------------
def hazard_in(fact: HazardFact, unit: Unit, org: OrgMap) -> bool:
    """A team or person counts the hazards they are responsible for (none before triage); the rest by place."""
    if unit.kind is UnitKind.TEAM:
        return fact.team_id == unit.id
    if unit.kind is UnitKind.PERSON:
        return fact.responsible_id == unit.id
    return place_in(unit, org, area_id=fact.area_id)


def reported_in(fact: HazardFact, period: Period) -> bool:
    return period.start <= fact.created_at < period.end


def is_overdue_at(fact: HazardFact, at: datetime) -> bool:
    """Open at `at` (its state as of then) and past its deadline."""
    return fact.state in OPEN_STATES and fact.deadline is not None and at > fact.deadline


@dataclass
class OverdueFigures:
    """The overdue backlog at a moment: every open hazard past its deadline, whenever it was reported."""

    overdue: int = 0
    hazard_ids: list[str] = field(default_factory=list)
    max_days_overdue: float = 0.0


def overdue_backlog(facts: Iterable[HazardFact], at: datetime, key: Callable[[HazardFact], str | None]
                    ) -> dict[str | None, OverdueFigures]:
    """Overdue hazards at `at`, grouped by key (the area, the team, the responsible person…)."""
    groups: dict[str | None, OverdueFigures] = defaultdict(OverdueFigures)
    for fact in facts:
        if is_overdue_at(fact, at):
            figures = groups[key(fact)]
            figures.overdue += 1
            figures.hazard_ids.append(fact.hazard_id)
            assert fact.deadline is not None
            figures.max_days_overdue = max(figures.max_days_overdue, (at - fact.deadline) / timedelta(days=1))
    return dict(groups)


# --- alerts: accuracy and time to acknowledge -----------------------------------------------
@dataclass(frozen=True, slots=True)
class AlertFact:
    alert_id: str
    source: str
    area_id: str | None
    raised_at: datetime
    acknowledged_at: datetime | None
    verdict: str | None


@dataclass
class AckFigures:
    """Time to acknowledge (响应时间): from the first raise to the first acknowledgement or resolution."""

    raised: int = 0
    acknowledged: int = 0
    minutes: list[float] = field(default_factory=list)

    @property
    def unacknowledged(self) -> int:
        return self.raised - self.acknowledged

    @property
    def mean_minutes(self) -> float | None:
        return mean(self.minutes)

    @property
    def p90_minutes(self) -> float | None:
        return percentile(self.minutes, 0.9)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ack_figures(facts: Iterable[AlertFact]) -> AckFigures:
    figures = AckFigures()
    for fact in facts:
        figures.raised += 1
        if fact.acknowledged_at is not None:
            figures.acknowledged += 1
            figures.minutes.append(max(0.0, (fact.acknowledged_at - fact.raised_at) / timedelta(minutes=1)))
    return figures


# --- sensors over a period (reproducible: from the hourly statistics) ------------------------
@dataclass(frozen=True, slots=True)
class SensorPeriodFact:
    """One sensor over a period: the whole hours it was due, those with at least one reading, the readings."""

    sensor_id: str
    kind: str
    area_id: str | None
    hours_due: int
    hours_with_data: int
    readings_received: int
    readings_expected: float


@dataclass
class SensorPeriodFigures:
    """Sensor online rate over a period: sensor-hours with data ÷ sensor-hours due (传感器在线率)."""

    sensors: int = 0
    hours_due: int = 0
    hours_with_data: int = 0
    received: int = 0
    expected: float = 0.0

    @property
    def online_rate(self) -> float | None:
        return min(1.0, self.hours_with_data / self.hours_due) if self.hours_due else None

    @property
    def data_availability(self) -> float | None:
        return min(1.0, self.received / self.expected) if self.expected > 0 else None


def hours_due(*, period_start: datetime, period_end: datetime, registered_at: datetime) -> int:
    """Whole hours of the period from the first full hour after the sensor was registered."""
    first = max(period_start, registered_at)
    if first > period_start:
        first = first.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return max(0, int((period_end - first) // timedelta(hours=1)))


def sensor_period_figures(facts: Iterable[SensorPeriodFact]) -> SensorPeriodFigures:
    figures = SensorPeriodFigures()
    for fact in facts:
        figures.sensors += 1
        figures.hours_due += fact.hours_due
        figures.hours_with_data += min(fact.hours_with_data, fact.hours_due)
        figures.received += min(fact.readings_received, round(fact.readings_expected))
        figures.expected += fact.readings_expected
    return figures


# --- smart-device maintenance ----------------------------------------------------------------
class DeviceKind(enum.StrEnum):
    """The smart devices a maintenance plan can cover."""

    SENSOR = "SENSOR"
    CAMERA = "CAMERA"
    ROBOT = "ROBOT"


@dataclass(frozen=True, slots=True)
class MaintenanceFact:
    """One plan: its device, interval, when it started, and the times it was maintained (any order)."""

    plan_id: str
    device_kind: str
    device_name: str
    area_id: str | None
    interval_days: float
    starts_at: datetime
    performed: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanStatus:
    plan_id: str
    device_name: str
    last_done: datetime | None
    due_at: datetime
    overdue: bool
    days_overdue: float


def plan_status(fact: MaintenanceFact, at: datetime) -> PlanStatus:
    """Due one interval after the last maintenance before `at` (or after the plan started); overdue past it."""
    done = [t for t in fact.performed if t <= at]
    last = max(done) if done else None
    due = (last or fact.starts_at) + timedelta(days=fact.interval_days)
    late = at > due
    return PlanStatus(plan_id=fact.plan_id, device_name=fact.device_name, last_done=last, due_at=due,
                      overdue=late, days_overdue=(at - due) / timedelta(days=1) if late else 0.0)


@dataclass
class MaintenanceFigures:
    """Smart-device maintenance compliance (智能设备维护合规率): plans not overdue ÷ active plans, at period end;
    and the maintenance done in the period, on time (within the interval) or late."""

    plans: int = 0
    compliant: int = 0
    done_in_period: int = 0
    done_on_time: int = 0
    overdue_plans: list[PlanStatus] = field(default_factory=list)

    @property
    def compliance(self) -> float | None:
        return ratio(self.compliant, self.plans)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.done_on_time, self.done_in_period)


def maintenance_figures(facts: Iterable[MaintenanceFact], period: Period) -> MaintenanceFigures:
    figures = MaintenanceFigures()
    for fact in facts:
        if fact.starts_at >= period.end:
            continue
        status = plan_status(fact, period.end)
        figures.plans += 1
        if status.overdue:
            figures.overdue_plans.append(status)
        else:
            figures.compliant += 1
        previous = fact.starts_at
        for done in sorted(fact.performed):
            if done >= period.end:
                break
            if done >= period.start:
                figures.done_in_period += 1
                figures.done_on_time += done <= previous + timedelta(days=fact.interval_days)
            previous = done
    figures.overdue_plans.sort(key=lambda s: -s.days_overdue)
    return figures


# --- training -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CourseAssignmentFact:
    user_id: str
    due_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ExamAttemptFact:
    user_id: str
    submitted_at: datetime
    score: float
    passed: bool


@dataclass(frozen=True, slots=True)
class LessonHoursFact:
    """A lesson finished by a person, worth its share of the course's class hours; retraining unless induction."""

    user_id: str
    completed_at: datetime
    hours: float
    retraining: bool


@dataclass(frozen=True, slots=True)
class ProficiencyFact:
    user_id: str
    skill: str
    score: float
    passed_at: datetime
    due_at: datetime


@dataclass
class TrainingFigures:
    """Course completion (assignments due in the period, done by their due time ÷ due), exam pass rate and mean
    score (attempts submitted in the period), retraining hours (lessons finished in the period)."""

    courses_due: int = 0
    courses_completed: int = 0
    attempts: int = 0
    passed: int = 0
    scores: list[float] = field(default_factory=list)
    retraining_hours: float = 0.0
    people: int = 0

    @property
    def course_completion(self) -> float | None:
        return ratio(self.courses_completed, self.courses_due)

    @property
    def exam_pass_rate(self) -> float | None:
        return ratio(self.passed, self.attempts)

    @property
    def mean_score(self) -> float | None:
        return mean(self.scores)

    @property
    def retraining_hours_per_person(self) -> float | None:
        return ratio(self.retraining_hours, self.people)


def training_figures(*, assignments: Iterable[CourseAssignmentFact], attempts: Iterable[ExamAttemptFact],
                     lessons: Iterable[LessonHoursFact], people: int, period: Period) -> TrainingFigures:
    figures = TrainingFigures(people=people)
    for assignment in assignments:
        if period.start <= assignment.due_at < period.end:
            figures.courses_due += 1
            figures.courses_completed += (assignment.completed_at is not None
                                          and assignment.completed_at <= assignment.due_at)
    for attempt in attempts:
        if period.start <= attempt.submitted_at < period.end:
            figures.attempts += 1
            figures.passed += attempt.passed
            figures.scores.append(attempt.score)
    for lesson in lessons:
        if lesson.retraining and period.start <= lesson.completed_at < period.end:
            figures.retraining_hours += lesson.hours
    figures.retraining_hours = round(figures.retraining_hours, 4)
    return figures


@dataclass
class SkillFigures:
    """Operator proficiency in one skill at a moment: people holding it (passed, not yet due again), mean score."""

    holders: int = 0
    lapsed: int = 0
    scores: list[float] = field(default_factory=list)

    @property
    def mean_score(self) -> float | None:
        return mean(self.scores)


def proficiency_by_skill(facts: Iterable[ProficiencyFact], at: datetime) -> dict[str, SkillFigures]:
    skills: dict[str, SkillFigures] = defaultdict(SkillFigures)
    for fact in facts:
        if fact.passed_at > at:
            continue
        figures = skills[fact.skill]
        if at < fact.due_at:
            figures.holders += 1
            figures.scores.append(fact.score)
        else:
            figures.lapsed += 1
    return dict(sorted(skills.items()))


# --- one unit's KPIs over one period ---------------------------------------------------------
@dataclass(frozen=True)
class KpiFacts:
    """Everything a period's KPIs are computed from, as of the period's end."""

    org: OrgMap
    period: Period
    as_of: datetime
    hazards: Sequence[HazardFact] = ()
    alerts: Sequence[AlertFact] = ()
    sensors: Sequence[SensorPeriodFact] = ()
    maintenance: Sequence[MaintenanceFact] = ()
    assignments: Sequence[CourseAssignmentFact] = ()
    attempts: Sequence[ExamAttemptFact] = ()
    lessons: Sequence[LessonHoursFact] = ()
    proficiencies: Sequence[ProficiencyFact] = ()
    people: Sequence[str] = ()

    # the facts grouped once, so that scoring hundreds of units does not scan every fact for each
    @cached_property
    def _hazard_groups(self) -> dict[str, dict[str | None, list[HazardFact]]]:
        groups: dict[str, dict[str | None, list[HazardFact]]] = {"area": defaultdict(list), "team": defaultdict(list),
                                                                  "person": defaultdict(list)}
        for fact in self.hazards:
            groups["area"][fact.area_id].append(fact)
            groups["team"][fact.team_id].append(fact)
            groups["person"][fact.responsible_id].append(fact)
        return groups

    @cached_property
    def _alerts_by_area(self) -> dict[str | None, list[AlertFact]]:
        groups: dict[str | None, list[AlertFact]] = defaultdict(list)
        for fact in self.alerts:
            groups[fact.area_id].append(fact)
        return groups

    @cached_property
    def _by_user(self) -> dict[str, dict[str, list[Any]]]:
        groups: dict[str, dict[str, list[Any]]] = {name: defaultdict(list) for name in (
            "assignments", "attempts", "lessons", "proficiencies")}
        for name in groups:
            for fact in getattr(self, name):
                groups[name][fact.user_id].append(fact)
        return groups

    def areas_of(self, unit: Unit) -> list[str] | None:
        """The areas whose places count for a unit (None: all of the mine's)."""
        if unit.kind is UnitKind.MINE:
            return None
        if unit.kind is UnitKind.AREA:
            return [unit.id]
        if unit.kind is UnitKind.DISTRICT:
            return [a for a, d in self.org.area_district.items() if d == unit.id]
        if unit.kind is UnitKind.TEAM:
            area = self.org.team_area.get(unit.id)
            return [area] if area else []
        return []

    def hazards_of(self, unit: Unit) -> list[HazardFact]:
        if unit.kind is UnitKind.MINE:
            return list(self.hazards) if unit.id == self.org.mine_id else []
        if unit.kind is UnitKind.TEAM:
            return self._hazard_groups["team"].get(unit.id, [])
        if unit.kind is UnitKind.PERSON:
            return self._hazard_groups["person"].get(unit.id, [])
        return [f for area in self.areas_of(unit) or [] for f in self._hazard_groups["area"].get(area, [])]

    def alerts_of(self, unit: Unit) -> list[AlertFact]:
        if not is_area_bound(unit):
            return []
        areas = self.areas_of(unit)
        if areas is None:
            return list(self.alerts) if unit.id == self.org.mine_id else []
        return [f for area in areas for f in self._alerts_by_area.get(area, [])]

    def of_people(self, name: str, people: Iterable[str]) -> list[Any]:
        groups = self._by_user[name]
        return [f for person in people for f in groups.get(person, [])]


@dataclass
class UnitKpis:
    unit: Unit
    period: Period
    hazards: HazardKpis
    reported: int
    closed: int
    closed_on_time: int
    close_hours: list[float]
    overdue: OverdueFigures
    alerts: VerdictFigures
    ack: AckFigures
    sensors: SensorPeriodFigures | None
    maintenance: MaintenanceFigures | None
    training: TrainingFigures
    proficiency: dict[str, SkillFigures]

    @property
    def close_out_rate(self) -> float | None:
        return ratio(self.closed, self.reported)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.closed_on_time, self.closed)

    @property
    def mean_hours_to_close(self) -> float | None:
        return mean(self.close_hours)


def unit_kpis(facts: KpiFacts, unit: Unit) -> UnitKpis:
    """Every KPI of DOMAIN.md for one unit: hazards reported in the period with their state at its end, the
    overdue backlog at its end, alerts first raised in it, sensors, devices and training over it."""
    org, period, at = facts.org, facts.period, facts.as_of
    mine = facts.hazards_of(unit)
    reported = [f for f in mine if reported_in(f, period)]
    by_grade = hazard_kpis(reported, at)
    closed = sum(g.closed for g in by_grade.by_grade.values())
    on_time = sum(g.closed_on_time for g in by_grade.by_grade.values())
    hours = [h for g in by_grade.by_grade.values() for h in g.close_hours]
    backlog = overdue_backlog(mine, at, key=lambda _: None).get(None, OverdueFigures())
    area_bound = is_area_bound(unit)
    alerts = [a for a in facts.alerts_of(unit) if period.start <= a.raised_at < period.end]
    verdicts = alert_kpis((a.source, a.verdict) for a in alerts).overall
    people = [p for p in facts.people if person_in(unit, org, p)]
    return UnitKpis(
        unit=unit, period=period, hazards=by_grade, reported=sum(g.reported for g in by_grade.by_grade.values()),
        closed=closed, closed_on_time=on_time, close_hours=hours, overdue=backlog, alerts=verdicts,
        ack=ack_figures(alerts),
        sensors=sensor_period_figures(s for s in facts.sensors if place_in(unit, org, area_id=s.area_id))
        if area_bound else None,
        maintenance=maintenance_figures((m for m in facts.maintenance if place_in(unit, org, area_id=m.area_id)),
                                        period) if area_bound else None,
        training=training_figures(assignments=facts.of_people("assignments", people),
                                  attempts=facts.of_people("attempts", people),
                                  lessons=facts.of_people("lessons", people), people=len(people), period=period),
        proficiency=proficiency_by_skill(facts.of_people("proficiencies", people), at),
    )


class Indicator(enum.StrEnum):
    """The KPI codes an assessment scheme scores (higher is better unless the rule says otherwise)."""

    HAZARDS_REPORTED = "HAZARDS_REPORTED"
    CLOSE_OUT_RATE = "CLOSE_OUT_RATE"
    ON_TIME_RATE = "ON_TIME_RATE"
    MEAN_HOURS_TO_CLOSE = "MEAN_HOURS_TO_CLOSE"
    OVERDUE = "OVERDUE"
    MAJOR_HAZARDS = "MAJOR_HAZARDS"
    WARNING_ACCURACY = "WARNING_ACCURACY"
    MEAN_MINUTES_TO_ACKNOWLEDGE = "MEAN_MINUTES_TO_ACKNOWLEDGE"
    SENSOR_ONLINE_RATE = "SENSOR_ONLINE_RATE"
    MAINTENANCE_COMPLIANCE = "MAINTENANCE_COMPLIANCE"
    COURSE_COMPLETION = "COURSE_COMPLETION"
    EXAM_PASS_RATE = "EXAM_PASS_RATE"
    EXAM_MEAN_SCORE = "EXAM_MEAN_SCORE"
    RETRAINING_HOURS_PER_PERSON = "RETRAINING_HOURS_PER_PERSON"
    PROFICIENCY_MEAN_SCORE = "PROFICIENCY_MEAN_SCORE"


# leading indicators (先行指标) show the system working before anything goes wrong; lagging ones (滞后指标) count
# what already went wrong
LEADING: tuple[Indicator, ...] = (
    Indicator.HAZARDS_REPORTED, Indicator.ON_TIME_RATE, Indicator.SENSOR_ONLINE_RATE,
    Indicator.MAINTENANCE_COMPLIANCE, Indicator.COURSE_COMPLETION, Indicator.EXAM_PASS_RATE,
    Indicator.RETRAINING_HOURS_PER_PERSON,
)
LAGGING: tuple[Indicator, ...] = (
    Indicator.OVERDUE, Indicator.MAJOR_HAZARDS, Indicator.MEAN_HOURS_TO_CLOSE, Indicator.WARNING_ACCURACY,
    Indicator.MEAN_MINUTES_TO_ACKNOWLEDGE,
)


def indicator_values(kpis: UnitKpis) -> dict[Indicator, float | None]:
    """The unit's value of every indicator; None where the unit has no data for it."""
    major = kpis.hazards.by_grade.get("MAJOR")
    skill_scores = [s for f in kpis.proficiency.values() for s in f.scores]
    return {
        Indicator.HAZARDS_REPORTED: float(kpis.reported),
        Indicator.CLOSE_OUT_RATE: kpis.close_out_rate,
        Indicator.ON_TIME_RATE: kpis.on_time_rate,
        Indicator.MEAN_HOURS_TO_CLOSE: kpis.mean_hours_to_close,
        Indicator.OVERDUE: float(kpis.overdue.overdue),
        Indicator.MAJOR_HAZARDS: float(major.reported if major else 0),
        Indicator.WARNING_ACCURACY: kpis.alerts.warning_accuracy,
        Indicator.MEAN_MINUTES_TO_ACKNOWLEDGE: kpis.ack.mean_minutes,
        Indicator.SENSOR_ONLINE_RATE: kpis.sensors.online_rate if kpis.sensors else None,
        Indicator.MAINTENANCE_COMPLIANCE: kpis.maintenance.compliance if kpis.maintenance else None,
        Indicator.COURSE_COMPLETION: kpis.training.course_completion,
        Indicator.EXAM_PASS_RATE: kpis.training.exam_pass_rate,
        Indicator.EXAM_MEAN_SCORE: kpis.training.mean_score,
        Indicator.RETRAINING_HOURS_PER_PERSON: kpis.training.retraining_hours_per_person,
        Indicator.PROFICIENCY_MEAN_SCORE: mean(skill_scores),
    }


# --- weak links -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StateChange:
    """One audited step of a hazard: from `at` on it was in `state`, in that area and team."""

    hazard_id: str
    at: datetime
    state: HazardState
    area_id: str | None
    team_id: str | None


@dataclass
class StateTime:
    hours: float = 0.0
    hazards: set[str] = field(default_factory=set)

    @property
    def mean_hours(self) -> float | None:
        return ratio(self.hours, len(self.hazards))


def time_in_states(changes: Iterable[StateChange], until: datetime, key: Callable[[StateChange], str | None]
                   ) -> dict[str | None, dict[HazardState, StateTime]]:
    """Hours each hazard spent in each open state of the loop (up to `until`), by the unit it was in then.

    The time of a state counts for the unit (key of the step that entered it); CLOSED and DISMISSED end the clock.
    """
    by_hazard: dict[str, list[StateChange]] = defaultdict(list)
    for change in changes:
        by_hazard[change.hazard_id].append(change)
    result: dict[str | None, dict[HazardState, StateTime]] = defaultdict(lambda: defaultdict(StateTime))
    for steps in by_hazard.values():
        steps.sort(key=lambda c: c.at)
        for step, following in zip(steps, [*steps[1:], None], strict=True):
            if step.state not in OPEN_STATES or step.at >= until:
                continue
            end = min(following.at if following is not None else until, until)
            slot = result[key(step)][step.state]
            slot.hours += max(0.0, (end - step.at) / timedelta(hours=1))
            slot.hazards.add(step.hazard_id)
    return {unit: dict(states) for unit, states in result.items()}


@dataclass(frozen=True, slots=True)
class PlaceFact:
    """Where a hazard was found and what kind it is (for recurrence)."""

    hazard_id: str
    area_id: str
    location: str | None
    category: str | None
    created_at: datetime


@dataclass
class Recurrence:
    area_id: str
    place: str
    category: str
    hazard_ids: list[str]
    first_at: datetime
    last_at: datetime

    @property
    def count(self) -> int:
        return len(self.hazard_ids)


def normalise_place(location: str | None) -> str:
    """Case, spaces and punctuation do not make a different place: '15201 回风巷 30m' = '15201回风巷 30 m'."""
    return re.sub(r"[\s,.;:，。；：、()（）\-_/]+", "", (location or "").casefold())


def recurring_hazards(facts: Iterable[PlaceFact], *, minimum: int = 2) -> list[Recurrence]:
    """Hazards found again at the same place (area + normalised location) in the same category."""
    groups: dict[tuple[str, str, str], list[PlaceFact]] = defaultdict(list)
    for fact in facts:
        groups[(fact.area_id, normalise_place(fact.location), fact.category or "")].append(fact)
    found = []
    for (area, _place, category), members in groups.items():
        if len(members) < minimum:
            continue
        members.sort(key=lambda f: f.created_at)
        found.append(Recurrence(area_id=area, place=members[-1].location or "", category=category,
                                hazard_ids=[m.hazard_id for m in members], first_at=members[0].created_at,
                                last_at=members[-1].created_at))
    found.sort(key=lambda r: (-r.count, r.area_id, r.place))
    return found
