"""Reading the facts the KPIs are computed from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.accounts.models import User
from backend.alerts.models import Alert
from backend.audit.models import AuditEntry
from backend.hazards.models import Hazard
from backend.hazards.rules import OPEN_STATES
from backend.kpi.models import AssessmentRun, AssessmentScheme, AssessmentScore, MaintenancePlan, MaintenanceRecord
from backend.kpi.rules import (
    DEFAULT_TIMEZONE,
    AlertFact,
    CourseAssignmentFact,
    ExamAttemptFact,
    HazardFact,
    KpiFacts,
    LessonHoursFact,
    MaintenanceFact,
    OrgMap,
    Period,
    PlaceFact,
    ProficiencyFact,
    SensorFact,
    SensorPeriodFact,
    StateChange,
    expected_readings,
    hours_due,
)
from backend.org.models import Area, Mine, Team
from backend.sensors.models import Sensor, SensorHourStat
from backend.sensors.rules import is_online
from backend.training.courses.models import Assignment, AssignmentKind, Course, Lesson, LessonProgress
from backend.training.courses.rules import CourseKind, lesson_hours
from backend.training.exams.models import Attempt, AttemptState, Proficiency
from contracts.hazards import HazardState

# the hazard category arrives with the report form's categories (issue 11); until then recurrence is by place
HAZARD_CATEGORY: Any = getattr(Hazard, "category", None)
# districts (区队) arrive with the org structure (issue 12): an area then names its district
AREA_DISTRICT: Any = getattr(Area, "district_id", None)
# a hazard's row and its first audit entry are written in one transaction, a moment apart
REPORT_CLOCK_SLACK = timedelta(minutes=5)
ID_CHUNK = 2000  # subject ids per IN list (well under SQLite's and asyncpg's bound-parameter limits)


async def hazard_facts(*, session: AsyncSession, mine_id: uuid.UUID, reported_from: datetime | None,
                       reported_to: datetime | None, area_id: uuid.UUID | None = None) -> list[HazardFact]:
    """One fact per hazard reported in the period (only the columns the KPIs need)."""
    query = select(Hazard.state, Hazard.grade, Hazard.team_id, Hazard.created_at, Hazard.deadline,
                   Hazard.closed_at).where(Hazard.mine_id == mine_id, Hazard.drill_id.is_(None))
    if reported_from is not None:
        query = query.where(Hazard.created_at >= reported_from)
    if reported_to is not None:
        query = query.where(Hazard.created_at < reported_to)
    if area_id is not None:
        query = query.where(Hazard.area_id == area_id)
    rows = await session.execute(query)
    return [HazardFact(state=r.state, grade=r.grade.value if r.grade else None,
                       team_id=str(r.team_id) if r.team_id else None, created_at=r.created_at,
                       deadline=r.deadline, closed_at=r.closed_at) for r in rows]


async def alert_facts(*, session: AsyncSession, mine_id: uuid.UUID, raised_from: datetime | None,
                      raised_to: datetime | None, area_id: uuid.UUID | None = None) -> list[tuple[str, str | None]]:
    """(source, verdict) of each alert first raised in the period."""
    query = select(Alert.source, Alert.verdict).where(Alert.mine_id == mine_id, Alert.drill_id.is_(None))
    if raised_from is not None:
        query = query.where(Alert.first_raised_at >= raised_from)
    if raised_to is not None:
        query = query.where(Alert.first_raised_at < raised_to)
    if area_id is not None:
        query = query.where(Alert.area_id == area_id)
    return [(r.source.value, r.verdict.value if r.verdict else None) for r in await session.execute(query)]


async def sensor_facts(*, session: AsyncSession, mine_id: uuid.UUID, period_start: datetime, period_end: datetime,
                       now: datetime, area_id: uuid.UUID | None = None) -> list[SensorFact]:
    """Each active sensor's state now and its readings in the period (counted from the hourly statistics)."""
    received = (
        select(SensorHourStat.sensor_id, func.sum(SensorHourStat.count).label("received"))
        .where(SensorHourStat.hour >= period_start, SensorHourStat.hour < period_end)
        .group_by(SensorHourStat.sensor_id).subquery()
    )
    query = (
        select(Sensor, func.coalesce(received.c.received, 0))
        .outerjoin(received, received.c.sensor_id == Sensor.id)
        .where(Sensor.mine_id == mine_id, Sensor.is_active.is_(True))
    )
    if area_id is not None:
        query = query.where(Sensor.area_id == area_id)
    facts = []
    for sensor, count in (await session.execute(query)).all():
        facts.append(SensorFact(
            kind=sensor.kind.value,
            online_now=is_online(sensor.last_reading_at, sensor.polling_seconds, sensor.fault, now),
            readings_received=int(count),
            readings_expected=expected_readings(
                period_start=period_start, period_end=period_end, registered_at=sensor.created_at,
                polling_seconds=sensor.polling_seconds),
        ))
    return facts


# --- the org as plain ids -------------------------------------------------------------------
async def mine_timezone(*, session: AsyncSession, mine_id: uuid.UUID) -> str:
    """The mine's time zone (Mine.settings["timezone"]), in which days, weeks and months are counted."""
    settings = await session.scalar(select(Mine.settings).where(Mine.id == mine_id))
    return str((settings or {}).get("timezone") or DEFAULT_TIMEZONE)


async def org_map(*, session: AsyncSession, mine_id: uuid.UUID) -> OrgMap:
    names: dict[str, str] = {}
    area_district: dict[str, str] = {}
    area_columns = [Area.id, Area.name] + ([AREA_DISTRICT] if AREA_DISTRICT is not None else [])
    for row in await session.execute(select(*area_columns).where(Area.mine_id == mine_id)):
        names[f"AREA:{row[0]}"] = row[1]
        if AREA_DISTRICT is not None and row[2] is not None:
            area_district[str(row[0])] = str(row[2])
    team_area = {}
    for team_id, name, area_id in await session.execute(
            select(Team.id, Team.name, Team.area_id).where(Team.mine_id == mine_id)):
        names[f"TEAM:{team_id}"] = name
        if area_id is not None:
            team_area[str(team_id)] = str(area_id)
    person_team, person_area = {}, {}
    for user_id, name, team_id, area_id in await session.execute(
            select(User.id, User.display_name, User.team_id, User.area_id)
            .where(User.mine_id == mine_id, User.is_active.is_(True), User.team_id.is_not(None))):
        names[f"PERSON:{user_id}"] = name
        person_team[str(user_id)] = str(team_id)
        if area_id is not None:
            person_area[str(user_id)] = str(area_id)
    mine_name = await session.scalar(select(Mine.name).where(Mine.id == mine_id))
    names[f"MINE:{mine_id}"] = mine_name or str(mine_id)
    return OrgMap(mine_id=str(mine_id), area_district=area_district, team_area=team_area, person_team=person_team,
                  person_area=person_area, names=names)


# --- facts as of a moment, from the audit trail ------------------------------------------------
def _as_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _after(entry: Any, name: str) -> Any:
    return entry.after[name].as_string()


def _chunks(ids: Sequence[str], size: int = ID_CHUNK) -> list[Sequence[str]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


async def _hazard_candidates(session: AsyncSession, *, mine_id: uuid.UUID, period: Period, as_of: datetime,
                             reported_only: bool = False) -> list[str]:
    """The hazards that can matter for the period: reported before as_of and not closed before it began.

    Only a superset, read from the hazard rows (a hazard closed before the period can be neither reported in it
    nor open at its end); the audit trail then decides. Reading only these keeps a year of closed hazards out
    of a month's figures.
    """
    query = select(Hazard.id).where(Hazard.mine_id == mine_id, Hazard.drill_id.is_(None),
                                    Hazard.created_at < as_of + REPORT_CLOCK_SLACK)
    if reported_only:
        query = query.where(Hazard.created_at >= period.start - REPORT_CLOCK_SLACK,
                            Hazard.created_at < period.end + REPORT_CLOCK_SLACK)
    else:
        since = period.start - REPORT_CLOCK_SLACK
        query = query.where(or_(Hazard.closed_at.is_(None), Hazard.closed_at >= since),
                            # a dismissal is the hazard's last change: dismissed rows untouched since before the
                            # period were dismissed before it
                            or_(Hazard.state != HazardState.DISMISSED, Hazard.updated_at >= since))
    return [str(h) for h in await session.scalars(query)]


async def _as_of(session: AsyncSession, *, mine_id: uuid.UUID, subject_type: str, subject_ids: Sequence[str],
                 as_of: datetime, fields: Sequence[str], first_state: str, first_not: bool = False
                 ) -> list[tuple[Any, ...]]:
    """Per subject, as the trail had it before as_of: (id, first entry's time, time of the first entry whose
    state is first_state (or, first_not, is not), then the last entry's `fields`)."""
    state = _after(AuditEntry, "state")
    marked = (state != first_state) if first_not else (state == first_state)
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(subject_ids):
        grouped = (
            select(AuditEntry.subject_id.label("subject_id"), func.max(AuditEntry.seq).label("seq"),
                   func.min(AuditEntry.at).label("first_at"), func.min(case((marked, AuditEntry.at))).label("marked"))
            .where(AuditEntry.mine_id == mine_id, AuditEntry.subject_type == subject_type,
                   AuditEntry.subject_id.in_(chunk), AuditEntry.at < as_of)
            .group_by(AuditEntry.subject_id).subquery()
        )
        last = aliased(AuditEntry)
        query = (select(grouped.c.subject_id, grouped.c.first_at, grouped.c.marked,
                        *[_after(last, name) for name in fields])
                 .join(last, and_(last.mine_id == mine_id, last.seq == grouped.c.seq)))
        rows.extend(tuple(row) for row in await session.execute(query))
    return rows


async def hazard_facts_as_of(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, as_of: datetime
                             ) -> list[HazardFact]:
    """Each hazard reported in the period, and each still open at as_of, as the audit trail had it then.

    The state, grade, team, responsible person and deadline are those of the hazard's last audit entry
    before as_of; it was reported at its first entry and closed at the entry that made it CLOSED. The
    same month re-run later reads the same entries and gives the same figures.
    """
    candidates = await _hazard_candidates(session, mine_id=mine_id, period=period, as_of=as_of)
    rows = await _as_of(session, mine_id=mine_id, subject_type="hazard", subject_ids=candidates, as_of=as_of,
                        fields=("state", "grade", "level", "area_id", "team_id", "responsible_id", "deadline"),
                        first_state=HazardState.CLOSED.value)
    facts = []
    open_states = {s.value for s in OPEN_STATES}
    for hazard_id, first_at, closed_at, st, grade, level, area, team, responsible, deadline in rows:
        if first_at < period.start and st not in open_states:
            continue  # reported before the period and no longer open at its end
        facts.append(HazardFact(
            state=HazardState(st), grade=grade, team_id=team, created_at=first_at, deadline=_as_time(deadline),
            closed_at=closed_at if st == HazardState.CLOSED.value else None, hazard_id=hazard_id, area_id=area,
            responsible_id=responsible, level=level))
    return facts


async def state_changes(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, as_of: datetime
                        ) -> list[StateChange]:
    """Every audited step before as_of of the hazards reported in the period (for time spent in each state)."""
    candidates = await _hazard_candidates(session, mine_id=mine_id, period=period, as_of=as_of, reported_only=True)
    steps: list[StateChange] = []
    for chunk in _chunks(candidates):
        rows = (await session.execute(
            select(AuditEntry.subject_id, AuditEntry.at, _after(AuditEntry, "state"), _after(AuditEntry, "area_id"),
                   _after(AuditEntry, "team_id"))
            .where(AuditEntry.mine_id == mine_id, AuditEntry.subject_type == "hazard",
                   AuditEntry.subject_id.in_(chunk), AuditEntry.at < as_of))).all()
        first: dict[str, datetime] = {}
        for hazard_id, at, *_ in rows:
            first[hazard_id] = min(at, first.get(hazard_id, at))
        steps.extend(StateChange(hazard_id=h, at=at, state=HazardState(st), area_id=area, team_id=team)
                     for h, at, st, area, team in rows
                     if st and period.start <= first[h] < period.end)
    return steps


async def place_facts(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, hazards: Sequence[HazardFact]
                      ) -> list[PlaceFact]:
    """Where each hazard reported in the period (and not dismissed by its end, per `hazards`) was found."""
    wanted = {f.hazard_id for f in hazards if period.start <= f.created_at < period.end
              and f.state is not HazardState.DISMISSED}
    category = HAZARD_CATEGORY if HAZARD_CATEGORY is not None else Hazard.source
    rows = await session.execute(
        select(Hazard.id, Hazard.area_id, Hazard.location, category, Hazard.created_at)
        .where(Hazard.mine_id == mine_id, Hazard.drill_id.is_(None),
               Hazard.created_at >= period.start - REPORT_CLOCK_SLACK,
               Hazard.created_at < period.end + REPORT_CLOCK_SLACK))
    return [PlaceFact(hazard_id=str(h), area_id=str(a), location=loc, category=str(getattr(c, "value", c) or ""),
                      created_at=at) for h, a, loc, c, at in rows if str(h) in wanted]


async def alert_facts_as_of(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, as_of: datetime
                            ) -> list[AlertFact]:
    """Alerts first raised in the period, with the verdict and the first acknowledgement the trail had by as_of."""
    alerts = (await session.execute(
        select(Alert.id, Alert.source, Alert.area_id, Alert.first_raised_at)
        .where(Alert.mine_id == mine_id, Alert.drill_id.is_(None), Alert.first_raised_at >= period.start,
               Alert.first_raised_at < period.end,
               Alert.first_raised_at < as_of))).all()
    audited = {row[0]: (row[2], row[3]) for row in await _as_of(
        session, mine_id=mine_id, subject_type="alert", subject_ids=[str(a[0]) for a in alerts], as_of=as_of,
        fields=("verdict",), first_state="RAISED", first_not=True)}
    facts = []
    for alert_id, source, area_id, raised_at in alerts:
        ack_at, verdict = audited.get(str(alert_id), (None, None))
        facts.append(AlertFact(alert_id=str(alert_id), source=source.value, area_id=str(area_id) if area_id else None,
                               raised_at=raised_at, acknowledged_at=ack_at, verdict=verdict))
    return facts


async def sensor_period_facts(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, as_of: datetime
                              ) -> list[SensorPeriodFact]:
    """Each active sensor registered before as_of: its whole hours due and those with data, from the statistics."""
    end = min(period.end, as_of).replace(minute=0, second=0, microsecond=0)
    stats = (
        select(SensorHourStat.sensor_id, func.sum(SensorHourStat.count).label("received"),
               func.count().label("hours"))
        .where(SensorHourStat.hour >= period.start, SensorHourStat.hour < end, SensorHourStat.count > 0)
        .group_by(SensorHourStat.sensor_id).subquery()
    )
    rows = await session.execute(
        select(Sensor.id, Sensor.kind, Sensor.area_id, Sensor.created_at, Sensor.polling_seconds,
               func.coalesce(stats.c.received, 0), func.coalesce(stats.c.hours, 0))
        .outerjoin(stats, stats.c.sensor_id == Sensor.id)
        .where(Sensor.mine_id == mine_id, Sensor.is_active.is_(True), Sensor.created_at < end))
    facts = []
    for sensor_id, kind, area_id, created_at, polling, received, hours in rows:
        facts.append(SensorPeriodFact(
            sensor_id=str(sensor_id), kind=kind.value, area_id=str(area_id),
            hours_due=hours_due(period_start=period.start, period_end=end, registered_at=created_at),
            hours_with_data=int(hours), readings_received=int(received),
            readings_expected=expected_readings(period_start=period.start, period_end=end, registered_at=created_at,
                                                polling_seconds=polling)))
    return facts


async def maintenance_facts(*, session: AsyncSession, mine_id: uuid.UUID, as_of: datetime) -> list[MaintenanceFact]:
    plans = (await session.scalars(select(MaintenancePlan).where(
        MaintenancePlan.mine_id == mine_id, MaintenancePlan.is_active.is_(True),
        MaintenancePlan.starts_at < as_of))).all()
    done: dict[uuid.UUID, list[datetime]] = {}
    for plan_id, performed_at in await session.execute(
            select(MaintenanceRecord.plan_id, MaintenanceRecord.performed_at)
            .where(MaintenanceRecord.mine_id == mine_id, MaintenanceRecord.performed_at < as_of)):
        done.setdefault(plan_id, []).append(performed_at)
    return [MaintenanceFact(plan_id=str(p.id), device_kind=p.device_kind.value, device_name=p.device_name,
                            area_id=str(p.area_id) if p.area_id else None, interval_days=p.interval_days,
                            starts_at=p.starts_at, performed=tuple(done.get(p.id, ()))) for p in plans]


async def training_facts(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, as_of: datetime
                         ) -> tuple[list[CourseAssignmentFact], list[ExamAttemptFact], list[LessonHoursFact],
                                    list[ProficiencyFact]]:
    """Course assignments due in the period, exams submitted and lessons finished in it, and proficiencies."""
    assignments = [
        CourseAssignmentFact(user_id=str(u), due_at=due, completed_at=done if done and done < as_of else None)
        for u, due, done in await session.execute(
            select(Assignment.assignee_id, Assignment.due_at, Assignment.completed_at)
            .where(Assignment.mine_id == mine_id, Assignment.kind == AssignmentKind.COURSE,
                   Assignment.due_at >= period.start, Assignment.due_at < period.end))]
    attempts = [
        ExamAttemptFact(user_id=str(u), submitted_at=at, score=float(score or 0.0), passed=bool(passed))
        for u, at, score, passed in await session.execute(
            select(Attempt.user_id, Attempt.submitted_at, Attempt.score, Attempt.passed)
            .where(Attempt.mine_id == mine_id, Attempt.state == AttemptState.SUBMITTED,
                   Attempt.submitted_at >= period.start, Attempt.submitted_at < period.end,
                   Attempt.submitted_at < as_of))]
    lesson_counts = (select(Lesson.course_id, func.count().label("lessons")).group_by(Lesson.course_id).subquery())
    lessons = [
        LessonHoursFact(user_id=str(u), completed_at=at, hours=lesson_hours(hours, int(count)),
                        retraining=kind is not CourseKind.INDUCTION)
        for u, at, kind, hours, count in await session.execute(
            select(LessonProgress.user_id, LessonProgress.completed_at, Course.kind, Course.class_hours,
                   lesson_counts.c.lessons)
            .join(Course, Course.id == LessonProgress.course_id)
            .join(lesson_counts, lesson_counts.c.course_id == LessonProgress.course_id)
            .where(LessonProgress.mine_id == mine_id, LessonProgress.completed_at >= period.start,
                   LessonProgress.completed_at < period.end, LessonProgress.completed_at < as_of))]
    proficiencies = [
        ProficiencyFact(user_id=str(u), skill=skill, score=score, passed_at=passed, due_at=due)
        for u, skill, score, passed, due in await session.execute(
            select(Proficiency.user_id, Proficiency.skill, Proficiency.score, Proficiency.passed_at,
                   Proficiency.due_at).where(Proficiency.mine_id == mine_id))]
    return assignments, attempts, lessons, proficiencies


async def kpi_facts(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, now: datetime) -> KpiFacts:
    """Everything the period's KPIs need, as of the period's end (or now, for a period not over yet)."""
    as_of = min(period.end, now)
    org = await org_map(session=session, mine_id=mine_id)
    assignments, attempts, lessons, proficiencies = await training_facts(session=session, mine_id=mine_id,
                                                                         period=period, as_of=as_of)
    return KpiFacts(
        org=org, period=period, as_of=as_of,
        hazards=await hazard_facts_as_of(session=session, mine_id=mine_id, period=period, as_of=as_of),
        alerts=await alert_facts_as_of(session=session, mine_id=mine_id, period=period, as_of=as_of),
        sensors=await sensor_period_facts(session=session, mine_id=mine_id, period=period, as_of=as_of),
        maintenance=await maintenance_facts(session=session, mine_id=mine_id, as_of=as_of),
        assignments=assignments, attempts=attempts, lessons=lessons, proficiencies=proficiencies,
        people=sorted(org.person_team),
    )


# --- maintenance and assessment records ---------------------------------------------------------
async def list_plans(*, session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID | None = None
                     ) -> Sequence[MaintenancePlan]:
    query = select(MaintenancePlan).where(MaintenancePlan.mine_id == mine_id, MaintenancePlan.is_active.is_(True))
    if area_id is not None:
        query = query.where(MaintenancePlan.area_id == area_id)
    return (await session.scalars(query.order_by(MaintenancePlan.device_name, MaintenancePlan.id))).all()


async def records_of(*, session: AsyncSession, plan_ids: Sequence[uuid.UUID]
                     ) -> dict[uuid.UUID, list[MaintenanceRecord]]:
    found: dict[uuid.UUID, list[MaintenanceRecord]] = {p: [] for p in plan_ids}
    if plan_ids:
        for record in await session.scalars(select(MaintenanceRecord).where(MaintenanceRecord.plan_id.in_(plan_ids))
                                            .order_by(MaintenanceRecord.performed_at)):
            found[record.plan_id].append(record)
    return found


async def current_scheme(*, session: AsyncSession, mine_id: uuid.UUID) -> AssessmentScheme | None:
    return await session.scalar(select(AssessmentScheme).where(
        AssessmentScheme.mine_id == mine_id, AssessmentScheme.superseded_at.is_(None))
        .order_by(AssessmentScheme.version.desc()).limit(1))


async def latest_run(*, session: AsyncSession, mine_id: uuid.UUID, month: str) -> AssessmentRun | None:
    return await session.scalar(select(AssessmentRun).where(AssessmentRun.mine_id == mine_id,
                                                            AssessmentRun.month == month)
                                .order_by(AssessmentRun.computed_at.desc(), AssessmentRun.id).limit(1))


async def run_scores(*, session: AsyncSession, run_id: uuid.UUID, unit_kind: str | None = None
                     ) -> Sequence[AssessmentScore]:
    query = select(AssessmentScore).where(AssessmentScore.run_id == run_id)
    if unit_kind is not None:
        query = query.where(AssessmentScore.unit_kind == unit_kind)
    return (await session.scalars(query.order_by(AssessmentScore.unit_kind, AssessmentScore.rank.is_(None),
                                                 AssessmentScore.rank, AssessmentScore.unit_name))).all()


async def unit_history(*, session: AsyncSession, mine_id: uuid.UUID, unit_kind: str, unit_id: str
                       ) -> list[AssessmentScore]:
    """A unit's score in each month, from the latest run of that month."""
    scores = (await session.scalars(
        select(AssessmentScore).join(AssessmentRun, AssessmentRun.id == AssessmentScore.run_id)
        .where(AssessmentScore.mine_id == mine_id, AssessmentScore.unit_kind == unit_kind,
               AssessmentScore.unit_id == unit_id)
        .order_by(AssessmentScore.month, AssessmentRun.computed_at))).all()
    by_month: dict[str, AssessmentScore] = {}
    for score in scores:
        by_month[score.month] = score
    return [by_month[m] for m in sorted(by_month)]


async def scheme_as_of(*, session: AsyncSession, mine_id: uuid.UUID, as_of: datetime) -> AssessmentScheme | None:
    """The scheme in force at as_of (a past month is scored with the scheme of its time)."""
    return await session.scalar(select(AssessmentScheme).where(
        AssessmentScheme.mine_id == mine_id, AssessmentScheme.created_at < as_of,
        or_(AssessmentScheme.superseded_at.is_(None), AssessmentScheme.superseded_at >= as_of))
        .order_by(AssessmentScheme.version.desc()).limit(1))


async def get_scheme(*, session: AsyncSession, scheme_id: uuid.UUID) -> AssessmentScheme | None:
    return await session.get(AssessmentScheme, scheme_id)


async def hazards_by_ids(*, session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Hazard]:
    """The hazards in the order of ids (the drill-down keeps the figure's order)."""
    if not ids:
        return []
    found = {h.id: h for h in await session.scalars(select(Hazard).where(Hazard.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
