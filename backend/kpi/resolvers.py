"""KPIs per unit and period, weak links, device maintenance and the assessment, for managers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.models import User
from backend.accounts.roles import Principal, Role
from backend.database.base import utcnow
from backend.errors import NotAllowed, NotFound, ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import NotAllowedType, NotFoundType, ValidationFailedType, returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.hazards.types import HazardType
from backend.kpi import flows, service
from backend.kpi.permissions import CanDefineAssessment, CanReadKpis, sees_whole_mine
from backend.kpi.rules import (
    LAGGING,
    LEADING,
    Indicator,
    KpiFacts,
    OrgMap,
    Period,
    PeriodKind,
    StateChange,
    Unit,
    UnitKind,
    alert_kpis,
    custom_period,
    hazard_in,
    hazard_kpis,
    indicator_values,
    is_overdue_at,
    overdue_backlog,
    period_containing,
    recurring_hazards,
    reported_in,
    sensor_kpis,
    time_in_states,
    trailing_periods,
    unit_kpis,
)
from backend.kpi.types import (
    AckKpi,
    AlertKpiReport,
    AlertVerdictKpi,
    AssessmentRanking,
    AssessmentRunType,
    AssessmentSchemeType,
    DefineAssessmentSchemeInput,
    GradeKpi,
    HazardKpiReport,
    IndicatorValue,
    KpiFigure,
    KpiPeriodType,
    KpiSummary,
    MaintenancePlanType,
    MaintenanceRecordType,
    PeriodInput,
    PlanMaintenanceInput,
    RecordMaintenanceInput,
    RecurringHazards,
    SensorKpi,
    SensorKpiReport,
    StateTimeRow,
    TeamOverdue,
    UnitInput,
    UnitOverdue,
    UnitRef,
    UnitScoreType,
    WeakLinks,
)
from backend.org.models import Area, Team
from contracts.hazards import HazardState

KPI_ROLES = (Role.AREA_MANAGER, Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN)
MAX_TREND = 12
MAX_DRILL = 500


def _kpi_scope(ctx: Context, area_id: strawberry.ID | None) -> tuple[Principal, uuid.UUID | None]:
    """The caller (a manager or safety officer) and the area the figures cover (an area manager: their own)."""
    principal = ctx.person()
    if not principal.has_any(*KPI_ROLES):
        raise NotAllowed("KPIs are for managers and safety officers")
    area = parse_optional_id(area_id, "areaId")
    if Role.AREA_MANAGER in principal.roles and not principal.has_any(Role.MINE_MANAGER, Role.SAFETY_OFFICER,
                                                                      Role.ADMIN):
        area = principal.area_id  # an area manager sees their own area
    return principal, area


def _reader(ctx: Context) -> Principal:
    principal = ctx.person()
    CanReadKpis.check(principal)
    return principal


async def _unit(ctx: Context, principal: Principal, unit: UnitInput | None) -> Unit:
    """The unit asked for, in the caller's mine; an area manager's is their own area or a unit inside it."""
    kind = UnitKind(unit.kind) if unit is not None else UnitKind.MINE
    whole = sees_whole_mine(principal)
    if kind is UnitKind.MINE:
        if whole:
            return Unit(UnitKind.MINE, str(principal.mine_id))
        if principal.area_id is None:
            raise NotAllowed("an area manager without an area sees no KPIs")
        return Unit(UnitKind.AREA, str(principal.area_id))
    if unit is None or unit.id is None:
        raise ValidationFailed(f"a {kind.value} unit needs its id")
    unit_id = parse_id(unit.id, "unit.id")
    area_of: uuid.UUID | None
    if kind is UnitKind.AREA:
        area = await ctx.session.get(Area, unit_id)
        found, area_of = (area is not None and area.mine_id == principal.mine_id), unit_id
    elif kind is UnitKind.TEAM:
        team = await ctx.session.get(Team, unit_id)
        found, area_of = (team is not None and team.mine_id == principal.mine_id), (team.area_id if team else None)
    elif kind is UnitKind.PERSON:
        person = await ctx.session.get(User, unit_id)
        found = person is not None and person.mine_id == principal.mine_id
        area_of = person.area_id if person else None
    else:
        org = await service.org_map(session=ctx.session, mine_id=principal.mine_id)
        found, area_of = str(unit_id) in set(org.area_district.values()), None
    if not found:
        raise NotFound(f"no such {kind.value.lower()} in this mine")
    if not whole and area_of != principal.area_id:
        raise NotAllowed("an area manager sees the KPIs of their own area")
    return Unit(kind, str(unit_id))


async def _period(ctx: Context, principal: Principal, period: PeriodInput | None) -> Period:
    timezone = await service.mine_timezone(session=ctx.session, mine_id=principal.mine_id)
    if period is None:
        return period_containing(PeriodKind.MONTH, utcnow(), timezone)
    kind = PeriodKind(period.kind)
    if kind is PeriodKind.CUSTOM:
        if period.start is None or period.end is None:
            raise ValidationFailed("a CUSTOM period needs start and end")
        if period.end - period.start > timedelta(days=400):
            raise ValidationFailed("a custom period is at most 400 days")
        try:
            return custom_period(period.start, period.end)
        except ValueError as error:
            raise ValidationFailed(str(error)) from error
    return period_containing(kind, period.anchor or utcnow(), timezone)


async def _facts(ctx: Context, principal: Principal, period: Period) -> KpiFacts:
    return await service.kpi_facts(session=ctx.session, mine_id=principal.mine_id, period=period, now=utcnow())


def _ref(org: OrgMap, kind: UnitKind, unit_id: str | None) -> UnitRef | None:
    return UnitRef.of(Unit(kind, unit_id), org) if unit_id else None


def _period_type(facts: KpiFacts) -> KpiPeriodType:
    p = facts.period
    return KpiPeriodType(kind=p.kind, label=p.label, start=p.start, end=p.end, as_of=facts.as_of)


def _overdue_rows(facts: KpiFacts, unit: Unit, kind: UnitKind, key: str) -> list[UnitOverdue]:
    mine = [f for f in facts.hazards if hazard_in(f, unit, facts.org)]
    groups = overdue_backlog(mine, facts.as_of, key=lambda f: getattr(f, key))
    rows = [UnitOverdue(unit=_ref(facts.org, kind, k), overdue=g.overdue, max_days_overdue=round(g.max_days_overdue, 2),
                        hazard_ids=[strawberry.ID(h) for h in sorted(g.hazard_ids)]) for k, g in groups.items()]
    return sorted(rows, key=lambda r: (-r.overdue, r.unit.name if r.unit else ""))


def _values(values: Mapping[Indicator, float | None], kinds: Sequence[Indicator]) -> list[IndicatorValue]:
    return [IndicatorValue(indicator=i, value=values[i], leading=i in LEADING, lagging=i in LAGGING) for i in kinds]


@strawberry.type
class Query:
    @strawberry.field(description="Hazard close-out and timeliness by grade, overdue by team, for a period.")
    async def hazard_kpis(self, info: Info[Context, None], reported_from: datetime | None = None,
                          reported_to: datetime | None = None, area_id: strawberry.ID | None = None
                          ) -> HazardKpiReport:
        ctx = info.context
        principal, area = _kpi_scope(ctx, area_id)
        facts = await service.hazard_facts(session=ctx.session, mine_id=principal.mine_id,
                                           reported_from=reported_from, reported_to=reported_to, area_id=area)
        kpis = hazard_kpis(facts, utcnow())
        return HazardKpiReport(
            by_grade=[GradeKpi.from_figures(g, f) for g, f in sorted(kpis.by_grade.items())],
            overdue_by_team=[TeamOverdue(team_id=strawberry.ID(t) if t else None, overdue=n)
                             for t, n in sorted(kpis.overdue_by_team.items(), key=lambda item: -item[1])],
        )

    @strawberry.field(description="Warning accuracy: alerts confirmed ÷ (confirmed + false alarm), overall and by "
                                  "source, for alerts first raised in the period.")
    async def alert_kpis(self, info: Info[Context, None], raised_from: datetime | None = None,
                         raised_to: datetime | None = None, area_id: strawberry.ID | None = None) -> AlertKpiReport:
        ctx = info.context
        principal, area = _kpi_scope(ctx, area_id)
        facts = await service.alert_facts(session=ctx.session, mine_id=principal.mine_id, raised_from=raised_from,
                                          raised_to=raised_to, area_id=area)
        kpis = alert_kpis(facts)
        return AlertKpiReport(overall=AlertVerdictKpi.from_figures(None, kpis.overall),
                              by_source=[AlertVerdictKpi.from_figures(source, figures)
                                         for source, figures in sorted(kpis.by_source.items())])

    @strawberry.field(description="Sensor online rate now and data availability (readings received ÷ due) over a "
                                  "period, counted in whole hours; default: the last 24 hours.")
    async def sensor_kpis(self, info: Info[Context, None], period_from: datetime | None = None,
                          period_to: datetime | None = None, area_id: strawberry.ID | None = None) -> SensorKpiReport:
        ctx = info.context
        principal, area = _kpi_scope(ctx, area_id)
        now = utcnow()
        period_end = min(period_to or now, now)
        period_start = (period_from or period_end - timedelta(hours=24)).replace(minute=0, second=0, microsecond=0)
        if period_start >= period_end:
            raise ValidationFailed("periodFrom must be before periodTo (and not in the future)")
        facts = await service.sensor_facts(session=ctx.session, mine_id=principal.mine_id, period_start=period_start,
                                           period_end=period_end, now=now, area_id=area)
        kpis = sensor_kpis(facts)
        return SensorKpiReport(period_start=period_start, period_end=period_end,
                               overall=SensorKpi.from_figures(None, kpis.overall),
                               by_kind=[SensorKpi.from_figures(kind, figures)
                                        for kind, figures in sorted(kpis.by_kind.items())])

    @strawberry.field(description="Every KPI of one unit (default: the mine, or an area manager's area) over one "
                                  "period (default: this month), as the audit trail had it at the period's end.")
    async def kpis(self, info: Info[Context, None], unit: UnitInput | None = None,
                   period: PeriodInput | None = None) -> KpiSummary:
        ctx = info.context
        principal = _reader(ctx)
        chosen = await _unit(ctx, principal, unit)
        facts = await _facts(ctx, principal, await _period(ctx, principal, period))
        return KpiSummary.from_kpis(unit_kpis(facts, chosen), facts.org, facts.as_of)

    @strawberry.field(description="A unit's KPIs over the last `count` days, weeks or months (oldest first), for "
                                  "trend lines.")
    async def kpi_trend(self, info: Info[Context, None], period_kind: PeriodKind, unit: UnitInput | None = None,
                        count: int = 6, anchor: datetime | None = None) -> list[KpiSummary]:
        ctx = info.context
        principal = _reader(ctx)
        if not 1 <= count <= MAX_TREND or PeriodKind(period_kind) is PeriodKind.CUSTOM:
            raise ValidationFailed(f"count is 1–{MAX_TREND} days, weeks or months")
        chosen = await _unit(ctx, principal, unit)
        timezone = await service.mine_timezone(session=ctx.session, mine_id=principal.mine_id)
        summaries = []
        for period in trailing_periods(PeriodKind(period_kind), anchor or utcnow(), count, timezone):
            facts = await _facts(ctx, principal, period)
            summaries.append(KpiSummary.from_kpis(unit_kpis(facts, chosen), facts.org, facts.as_of))
        return summaries

    @strawberry.field(description="The overdue backlog now (or at a period's end) by area, team or responsible "
                                  "person, with the hazards behind each figure.")
    async def overdue_by_unit(self, info: Info[Context, None], unit_kind: UnitKind,
                              period: PeriodInput | None = None) -> list[UnitOverdue]:
        ctx = info.context
        principal = _reader(ctx)
        scope = await _unit(ctx, principal, None)
        facts = await _facts(ctx, principal, await _period(ctx, principal, period))
        key = {UnitKind.AREA: "area_id", UnitKind.TEAM: "team_id", UnitKind.PERSON: "responsible_id"}.get(
            UnitKind(unit_kind))
        if key is None:
            raise ValidationFailed("overdue is counted by AREA, TEAM or PERSON")
        return _overdue_rows(facts, scope, UnitKind(unit_kind), key)

    @strawberry.field(description="The hazards behind a KPI figure of a unit and period (the drill-down); each "
                                  "hazard's traceability is `traceability(subjectId: hazard.id)`.")
    async def kpi_hazards(self, info: Info[Context, None], figure: KpiFigure, unit: UnitInput | None = None,
                          period: PeriodInput | None = None) -> list[HazardType]:
        ctx = info.context
        principal = _reader(ctx)
        chosen = await _unit(ctx, principal, unit)
        facts = await _facts(ctx, principal, await _period(ctx, principal, period))
        mine = [f for f in facts.hazards if hazard_in(f, chosen, facts.org)]
        reported = [f for f in mine if reported_in(f, facts.period) and f.state is not HazardState.DISMISSED]
        picked = {
            KpiFigure.REPORTED: reported,
            KpiFigure.CLOSED: [f for f in reported if f.state is HazardState.CLOSED],
            KpiFigure.CLOSED_LATE: [f for f in reported if f.state is HazardState.CLOSED and f.deadline is not None
                                    and f.closed_at is not None and f.closed_at > f.deadline],
            KpiFigure.OPEN: [f for f in reported if f.state not in (HazardState.CLOSED, HazardState.DISMISSED)],
            KpiFigure.OVERDUE: [f for f in mine if is_overdue_at(f, facts.as_of)],
            KpiFigure.MAJOR: [f for f in reported if f.grade == "MAJOR"],
        }[figure]
        ids = [uuid.UUID(f.hazard_id) for f in sorted(picked, key=lambda f: f.created_at)][:MAX_DRILL]
        hazards = await service.hazards_by_ids(session=ctx.session, ids=ids)
        return [HazardType.from_model(h) for h in hazards if h is not None and h.mine_id == principal.mine_id]

    @strawberry.field(description="Where the loop is weak: time in each state, recurring hazards, overdue by team "
                                  "and responsible person, time to acknowledge alerts, leading vs lagging indicators.")
    async def weak_links(self, info: Info[Context, None], unit: UnitInput | None = None,
                         period: PeriodInput | None = None) -> WeakLinks:
        ctx = info.context
        principal = _reader(ctx)
        chosen = await _unit(ctx, principal, unit)
        facts = await _facts(ctx, principal, await _period(ctx, principal, period))
        org = facts.org
        changes = await service.state_changes(session=ctx.session, mine_id=principal.mine_id, period=facts.period,
                                              as_of=facts.as_of)
        inside = {f.hazard_id for f in facts.hazards if hazard_in(f, chosen, org)}
        changes = [c for c in changes if c.hazard_id in inside]

        def unit_of(change: StateChange) -> str | None:
            return f"TEAM:{change.team_id}" if change.team_id else f"AREA:{change.area_id}" if change.area_id else None

        rows = []
        for key, states in time_in_states(changes, facts.as_of, unit_of).items():
            ref = UnitRef.of(Unit(UnitKind(key.split(":")[0]), key.split(":")[1]), org) if key else None
            for state, slot in states.items():
                rows.append(StateTimeRow(unit=ref, state=state.value, hazards=len(slot.hazards),
                                         mean_hours=slot.mean_hours, total_hours=round(slot.hours, 4),
                                         hazard_ids=[strawberry.ID(h) for h in sorted(slot.hazards)]))
        rows.sort(key=lambda r: -(r.mean_hours or 0))
        places = await service.place_facts(session=ctx.session, mine_id=principal.mine_id, period=facts.period,
                                           hazards=[f for f in facts.hazards if f.hazard_id in inside])
        kpis = unit_kpis(facts, chosen)
        values = indicator_values(kpis)
        return WeakLinks(
            period=_period_type(facts), state_times=rows,
            recurring=[RecurringHazards(area=UnitRef.of(Unit(UnitKind.AREA, r.area_id), org), place=r.place,
                                        category=r.category, count=r.count, first_at=r.first_at, last_at=r.last_at,
                                        hazard_ids=[strawberry.ID(h) for h in r.hazard_ids])
                       for r in recurring_hazards(places)],
            overdue_by_team=_overdue_rows(facts, chosen, UnitKind.TEAM, "team_id"),
            overdue_by_responsible=_overdue_rows(facts, chosen, UnitKind.PERSON, "responsible_id"),
            acknowledgement=AckKpi.from_figures(kpis.ack),
            leading=_values(values, LEADING), lagging=_values(values, LAGGING))

    @strawberry.field(description="Device maintenance plans with their status now.")
    async def maintenance_plans(self, info: Info[Context, None], area_id: strawberry.ID | None = None,
                                overdue_only: bool = False) -> list[MaintenancePlanType]:
        ctx = info.context
        principal = _reader(ctx)
        area = parse_optional_id(area_id, "areaId")
        if not sees_whole_mine(principal):
            area = principal.area_id
        plans = await service.list_plans(session=ctx.session, mine_id=principal.mine_id, area_id=area)
        records = await service.records_of(session=ctx.session, plan_ids=[p.id for p in plans])
        now = utcnow()
        result = [MaintenancePlanType.from_model(p, records[p.id], now) for p in plans]
        return [r for r in result if r.overdue] if overdue_only else result

    @strawberry.field(description="The mine's assessment scheme in force (null: none defined yet).")
    async def assessment_scheme(self, info: Info[Context, None]) -> AssessmentSchemeType | None:
        ctx = info.context
        principal = _reader(ctx)
        scheme = await service.current_scheme(session=ctx.session, mine_id=principal.mine_id)
        return AssessmentSchemeType.from_model(scheme) if scheme else None

    @strawberry.field(description="The month's ranking of one kind of unit from its latest assessment run (null: "
                                  "not computed yet); an area manager sees the units of their area.")
    async def assessment_ranking(self, info: Info[Context, None], month: str,
                                 unit_kind: UnitKind = UnitKind.TEAM) -> AssessmentRanking | None:
        ctx = info.context
        principal = _reader(ctx)
        run = await service.latest_run(session=ctx.session, mine_id=principal.mine_id, month=month)
        if run is None:
            return None
        scores = await service.run_scores(session=ctx.session, run_id=run.id, unit_kind=UnitKind(unit_kind).value)
        if not sees_whole_mine(principal):
            org = await service.org_map(session=ctx.session, mine_id=principal.mine_id)
            mine_area = str(principal.area_id)
            scores = [s for s in scores if _unit_area(org, s.unit_kind, s.unit_id) == mine_area]
        scheme = await service.get_scheme(session=ctx.session, scheme_id=run.scheme_id)
        return AssessmentRanking(month=month, computed_at=run.computed_at,
                                 scheme_version=scheme.version if scheme else 0, unit_kind=UnitKind(unit_kind),
                                 scores=[UnitScoreType.from_model(s) for s in scores])

    @strawberry.field(description="A unit's monthly scores (the latest run of each month), oldest first.")
    async def assessment_history(self, info: Info[Context, None], unit: UnitInput) -> list[UnitScoreType]:
        ctx = info.context
        principal = _reader(ctx)
        chosen = await _unit(ctx, principal, unit)
        scores = await service.unit_history(session=ctx.session, mine_id=principal.mine_id,
                                            unit_kind=chosen.kind.value, unit_id=chosen.id)
        return [UnitScoreType.from_model(s) for s in scores]


def _unit_area(org: OrgMap, kind: str, unit_id: str) -> str | None:
    if kind == UnitKind.AREA.value:
        return unit_id
    if kind == UnitKind.TEAM.value:
        return org.team_area.get(unit_id)
    if kind == UnitKind.PERSON.value:
        team = org.person_team.get(unit_id)
        return org.person_area.get(unit_id) or (org.team_area.get(team) if team else None)
    return None


PlanMaintenanceResult = Annotated[MaintenancePlanType | NotAllowedType | NotFoundType | ValidationFailedType,
                                  strawberry.union("PlanMaintenanceResult")]
RecordMaintenanceResult = Annotated[MaintenanceRecordType | NotAllowedType | NotFoundType | ValidationFailedType,
                                    strawberry.union("RecordMaintenanceResult")]
DefineSchemeResult = Annotated[AssessmentSchemeType | NotAllowedType | ValidationFailedType,
                               strawberry.union("DefineAssessmentSchemeResult")]
ComputeAssessmentResult = Annotated[AssessmentRunType | NotAllowedType | ValidationFailedType,
                                    strawberry.union("ComputeAssessmentResult")]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Plan a sensor's, camera's or robot's maintenance every intervalDays (planning "
                                     "a device again changes its plan).")
    @returns_domain_errors
    async def plan_maintenance(self, info: Info[Context, None], input: PlanMaintenanceInput) -> PlanMaintenanceResult:
        ctx = info.context
        actor = ctx.person()
        plan = await flows.create_plan(
            ctx.session, actor=actor, device_kind=input.device_kind, device_id=parse_id(input.device_id, "deviceId"),
            interval_days=input.interval_days, responsible_id=parse_optional_id(input.responsible_id,
                                                                                "responsibleId"),
            starts_at=input.starts_at)
        await ctx.commit()
        records = await service.records_of(session=ctx.session, plan_ids=[plan.id])
        return MaintenancePlanType.from_model(plan, records[plan.id], utcnow())

    @strawberry.mutation(description="Record maintenance done on a planned device (by the caller).")
    @returns_domain_errors
    async def record_maintenance(self, info: Info[Context, None], input: RecordMaintenanceInput
                                 ) -> RecordMaintenanceResult:
        ctx = info.context
        actor = ctx.person()
        record = await flows.record_maintenance(
            ctx.session, actor=actor, record_id=parse_id(input.client_id, "clientId"),
            plan_id=parse_id(input.plan_id, "planId"), performed_at=input.performed_at, note=input.note)
        await ctx.commit()
        return MaintenanceRecordType.from_model(record)

    @strawberry.mutation(description="A new version of the mine's assessment scheme (weights add up to 100).")
    @returns_domain_errors
    async def define_assessment_scheme(self, info: Info[Context, None], input: DefineAssessmentSchemeInput
                                       ) -> DefineSchemeResult:
        ctx = info.context
        actor = ctx.person()
        CanDefineAssessment.check(actor)
        scheme = await flows.define_scheme(ctx.session, actor=actor, mine_id=actor.mine_id, name=input.name,
                                           rules=[r.to_rule() for r in input.indicators])
        await ctx.commit()
        return AssessmentSchemeType.from_model(scheme)

    @strawberry.mutation(description="Score every district, area, team and person for a month (YYYY-MM) and rank "
                                     "them; a later run of the same month supersedes, the earlier stays as history.")
    @returns_domain_errors
    async def compute_assessment(self, info: Info[Context, None], month: str) -> ComputeAssessmentResult:
        ctx = info.context
        actor = ctx.person()
        CanDefineAssessment.check(actor)
        run = await flows.compute_assessment(ctx.session, actor=actor, mine_id=actor.mine_id, month=month)
        await ctx.commit()
        return AssessmentRunType(id=strawberry.ID(str(run.id)), month=run.month, computed_at=run.computed_at)

