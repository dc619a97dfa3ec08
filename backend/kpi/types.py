"""GraphQL types of the KPIs, weak links, device maintenance and the assessment."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from backend.kpi.models import AssessmentScheme, AssessmentScore, MaintenancePlan, MaintenanceRecord
from backend.kpi.rules import (
    LAGGING,
    LEADING,
    AckFigures,
    DeviceKind,
    GradeFigures,
    Indicator,
    MaintenanceFact,
    OrgMap,
    PeriodKind,
    SensorFigures,
    Unit,
    UnitKind,
    UnitKpis,
    VerdictFigures,
    indicator_values,
    plan_status,
)
from backend.kpi.scoring import IndicatorRule, NoData, ScoringRule


@strawberry.type
class GradeKpi:
    grade: str = strawberry.field(description="MAJOR, GENERAL or UNGRADED (not yet triaged)")
    reported: int
    closed: int
    open: int
    overdue: int
    close_out_rate: float | None
    on_time_rate: float | None
    mean_hours_to_close: float | None

    @classmethod
    def from_figures(cls, grade: str, figures: GradeFigures) -> GradeKpi:
        return cls(grade=grade, reported=figures.reported, closed=figures.closed, open=figures.open,
                   overdue=figures.overdue, close_out_rate=figures.close_out_rate,
                   on_time_rate=figures.on_time_rate, mean_hours_to_close=figures.mean_hours_to_close)


@strawberry.type
class TeamOverdue:
    team_id: strawberry.ID | None
    overdue: int


@strawberry.type
class HazardKpiReport:
    by_grade: list[GradeKpi]
    overdue_by_team: list[TeamOverdue]


@strawberry.type
class AlertVerdictKpi:
    source: str | None = strawberry.field(description="SENSOR, VISION, HAZARD_OVERDUE, MANUAL; null: all sources")
    raised: int
    confirmed: int
    false_alarms: int
    unjudged: int
    warning_accuracy: float | None = strawberry.field(
        description="confirmed ÷ (confirmed + false alarm); null when no alert was judged")

    @classmethod
    def from_figures(cls, source: str | None, figures: VerdictFigures) -> AlertVerdictKpi:
        return cls(source=source, raised=figures.raised, confirmed=figures.confirmed,
                   false_alarms=figures.false_alarms, unjudged=figures.unjudged,
                   warning_accuracy=figures.warning_accuracy)


@strawberry.type
class AlertKpiReport:
    overall: AlertVerdictKpi
    by_source: list[AlertVerdictKpi]


@strawberry.type
class SensorKpi:
    kind: str | None = strawberry.field(description="the sensor kind (CH4, CO, …); null: all kinds")
    sensors: int = strawberry.field(description="active sensors")
    online_now: int
    online_rate: float | None = strawberry.field(description="online now ÷ active sensors (传感器在线率)")
    readings_received: int
    readings_expected: float
    data_availability: float | None = strawberry.field(
        description="readings received ÷ readings due at each sensor's polling period in the period; null: none due")

    @classmethod
    def from_figures(cls, kind: str | None, figures: SensorFigures) -> SensorKpi:
        return cls(kind=kind, sensors=figures.sensors, online_now=figures.online_now, online_rate=figures.online_rate,
                   readings_received=figures.received, readings_expected=round(figures.expected, 1),
                   data_availability=figures.data_availability)


@strawberry.type
class SensorKpiReport:
    period_start: datetime
    period_end: datetime
    overall: SensorKpi
    by_kind: list[SensorKpi]


# --- units, periods and every KPI of one unit -------------------------------------------------
UnitKindType = strawberry.enum(UnitKind, name="UnitKind")
PeriodKindType = strawberry.enum(PeriodKind, name="PeriodKind")
IndicatorType = strawberry.enum(Indicator, name="Indicator")
DeviceKindType = strawberry.enum(DeviceKind, name="MaintainedDeviceKind")
ScoringRuleType = strawberry.enum(ScoringRule, name="ScoringRule")
NoDataType = strawberry.enum(NoData, name="NoDataPolicy")


@strawberry.enum(description="Which hazards behind a KPI figure to list (the drill-down).")
class KpiFigure(enum.Enum):
    REPORTED = "REPORTED"          # reported in the period
    CLOSED = "CLOSED"              # reported in the period and closed by its end
    CLOSED_LATE = "CLOSED_LATE"    # … closed after the deadline
    OPEN = "OPEN"                  # reported in the period, still open at its end
    OVERDUE = "OVERDUE"            # open past the deadline at the period's end, whenever reported
    MAJOR = "MAJOR"                # major hazards reported in the period


@strawberry.input(description="A unit: the mine (no id needed), a district, an area, a team or a person.")
class UnitInput:
    kind: UnitKindType  # type: ignore[valid-type]
    id: strawberry.ID | None = None


@strawberry.input(description="DAY, WEEK or MONTH containing `anchor` (default now, in the mine's time zone), or "
                              "CUSTOM from `start` to `end`.")
class PeriodInput:
    kind: PeriodKindType  # type: ignore[valid-type]
    anchor: datetime | None = None
    start: datetime | None = None
    end: datetime | None = None


@strawberry.type
class UnitRef:
    kind: UnitKindType  # type: ignore[valid-type]
    id: strawberry.ID
    name: str

    @classmethod
    def of(cls, unit: Unit, org: OrgMap) -> UnitRef:
        return cls(kind=unit.kind, id=strawberry.ID(unit.id), name=org.name(unit))


@strawberry.type(name="KpiPeriod")
class KpiPeriodType:
    kind: PeriodKindType  # type: ignore[valid-type]
    label: str
    start: datetime
    end: datetime
    as_of: datetime = strawberry.field(description="the figures are as the audit trail had them at this moment")


@strawberry.type
class IndicatorValue:
    indicator: IndicatorType  # type: ignore[valid-type]
    value: float | None
    leading: bool = strawberry.field(description="a leading indicator (先行); false: lagging (滞后) or neither")
    lagging: bool


@strawberry.type
class SkillKpi:
    skill: str
    holders: int
    lapsed: int
    mean_score: float | None


@strawberry.type
class AckKpi:
    raised: int
    acknowledged: int
    unacknowledged: int
    mean_minutes: float | None
    p90_minutes: float | None

    @classmethod
    def from_figures(cls, figures: AckFigures) -> AckKpi:
        return cls(raised=figures.raised, acknowledged=figures.acknowledged, unacknowledged=figures.unacknowledged,
                   mean_minutes=figures.mean_minutes, p90_minutes=figures.p90_minutes)


@strawberry.type
class KpiSummary:
    unit: UnitRef
    period: KpiPeriodType
    reported: int
    closed: int
    close_out_rate: float | None
    on_time_rate: float | None
    mean_hours_to_close: float | None
    overdue: int = strawberry.field(description="open past the deadline at the period's end, whenever reported")
    by_grade: list[GradeKpi]
    alerts: AlertVerdictKpi
    acknowledgement: AckKpi
    sensor_online_rate: float | None = strawberry.field(
        description="sensor-hours with data ÷ sensor-hours due (null for a person, or no sensors)")
    data_availability: float | None
    maintenance_plans: int
    maintenance_compliance: float | None = strawberry.field(
        description="device plans not overdue at the period's end ÷ plans")
    maintenance_done: int
    maintenance_on_time_rate: float | None
    course_completion: float | None
    exam_attempts: int
    exam_pass_rate: float | None
    exam_mean_score: float | None
    retraining_hours: float
    retraining_hours_per_person: float | None
    people: int
    proficiency: list[SkillKpi]
    indicators: list[IndicatorValue]

    @classmethod
    def from_kpis(cls, kpis: UnitKpis, org: OrgMap, as_of: datetime) -> KpiSummary:
        values = indicator_values(kpis)
        s, m, t = kpis.sensors, kpis.maintenance, kpis.training
        return cls(
            unit=UnitRef.of(kpis.unit, org),
            period=KpiPeriodType(kind=kpis.period.kind, label=kpis.period.label, start=kpis.period.start,
                                 end=kpis.period.end, as_of=as_of),
            reported=kpis.reported, closed=kpis.closed, close_out_rate=kpis.close_out_rate,
            on_time_rate=kpis.on_time_rate, mean_hours_to_close=kpis.mean_hours_to_close,
            overdue=kpis.overdue.overdue,
            by_grade=[GradeKpi.from_figures(g, f) for g, f in sorted(kpis.hazards.by_grade.items())],
            alerts=AlertVerdictKpi.from_figures(None, kpis.alerts), acknowledgement=AckKpi.from_figures(kpis.ack),
            sensor_online_rate=s.online_rate if s else None, data_availability=s.data_availability if s else None,
            maintenance_plans=m.plans if m else 0, maintenance_compliance=m.compliance if m else None,
            maintenance_done=m.done_in_period if m else 0, maintenance_on_time_rate=m.on_time_rate if m else None,
            course_completion=t.course_completion, exam_attempts=t.attempts, exam_pass_rate=t.exam_pass_rate,
            exam_mean_score=t.mean_score, retraining_hours=t.retraining_hours,
            retraining_hours_per_person=t.retraining_hours_per_person, people=t.people,
            proficiency=[SkillKpi(skill=k, holders=f.holders, lapsed=f.lapsed, mean_score=f.mean_score)
                         for k, f in kpis.proficiency.items()],
            indicators=[IndicatorValue(indicator=i, value=v, leading=i in LEADING, lagging=i in LAGGING)
                        for i, v in values.items()],
        )


@strawberry.type
class UnitOverdue:
    unit: UnitRef | None = strawberry.field(description="null: no team or person was named yet")
    overdue: int
    max_days_overdue: float
    hazard_ids: list[strawberry.ID]


@strawberry.type
class StateTimeRow:
    unit: UnitRef | None
    state: str
    hazards: int
    mean_hours: float | None
    total_hours: float
    hazard_ids: list[strawberry.ID]


@strawberry.type
class RecurringHazards:
    area: UnitRef
    place: str
    category: str
    count: int
    first_at: datetime
    last_at: datetime
    hazard_ids: list[strawberry.ID]


@strawberry.type
class WeakLinks:
    period: KpiPeriodType
    state_times: list[StateTimeRow] = strawberry.field(
        description="hours hazards reported in the period spent in each loop state, by the team (or area) then")
    recurring: list[RecurringHazards]
    overdue_by_team: list[UnitOverdue]
    overdue_by_responsible: list[UnitOverdue]
    acknowledgement: AckKpi
    leading: list[IndicatorValue]
    lagging: list[IndicatorValue]


# --- device maintenance ------------------------------------------------------------------------
@strawberry.type(name="MaintenanceRecord")
class MaintenanceRecordType:
    id: strawberry.ID
    performed_by_id: strawberry.ID
    performed_at: datetime
    note: str

    @classmethod
    def from_model(cls, record: MaintenanceRecord) -> MaintenanceRecordType:
        return cls(id=strawberry.ID(str(record.id)), performed_by_id=strawberry.ID(str(record.performed_by_id)),
                   performed_at=record.performed_at, note=record.note)


@strawberry.type(name="MaintenancePlan")
class MaintenancePlanType:
    id: strawberry.ID
    device_kind: DeviceKindType  # type: ignore[valid-type]
    device_id: strawberry.ID
    device_name: str
    area_id: strawberry.ID | None
    interval_days: float
    responsible_id: strawberry.ID | None
    starts_at: datetime
    last_done: datetime | None
    due_at: datetime
    overdue: bool
    days_overdue: float
    records: list[MaintenanceRecordType]

    @classmethod
    def from_model(cls, plan: MaintenancePlan, records: list[MaintenanceRecord], now: datetime) -> MaintenancePlanType:
        status = plan_status(MaintenanceFact(
            plan_id=str(plan.id), device_kind=plan.device_kind.value, device_name=plan.device_name,
            area_id=str(plan.area_id) if plan.area_id else None, interval_days=plan.interval_days,
            starts_at=plan.starts_at, performed=tuple(r.performed_at for r in records)), now)
        return cls(id=strawberry.ID(str(plan.id)), device_kind=plan.device_kind,
                   device_id=strawberry.ID(str(plan.device_id)), device_name=plan.device_name,
                   area_id=strawberry.ID(str(plan.area_id)) if plan.area_id else None, interval_days=plan.interval_days,
                   responsible_id=strawberry.ID(str(plan.responsible_id)) if plan.responsible_id else None,
                   starts_at=plan.starts_at, last_done=status.last_done, due_at=status.due_at, overdue=status.overdue,
                   days_overdue=round(status.days_overdue, 2),
                   records=[MaintenanceRecordType.from_model(r) for r in records[::-1]])


@strawberry.input
class PlanMaintenanceInput:
    device_kind: DeviceKindType  # type: ignore[valid-type]
    device_id: strawberry.ID
    interval_days: float
    responsible_id: strawberry.ID | None = None
    starts_at: datetime | None = None


@strawberry.input
class RecordMaintenanceInput:
    client_id: strawberry.ID = strawberry.field(description="made on the device: a retry records nothing twice")
    plan_id: strawberry.ID
    performed_at: datetime | None = None
    note: str | None = None


# --- assessment ---------------------------------------------------------------------------------
@strawberry.type
class IndicatorRuleType:
    indicator: IndicatorType  # type: ignore[valid-type]
    weight: float
    target: float
    rule: ScoringRuleType  # type: ignore[valid-type]
    deduct: float
    lower_is_better: bool
    no_data: NoDataType  # type: ignore[valid-type]

    @classmethod
    def from_rule(cls, rule: IndicatorRule) -> IndicatorRuleType:
        return cls(indicator=rule.indicator, weight=rule.weight, target=rule.target, rule=rule.rule,
                   deduct=rule.deduct, lower_is_better=rule.lower_is_better, no_data=rule.no_data)


@strawberry.input
class IndicatorRuleInput:
    indicator: IndicatorType  # type: ignore[valid-type]
    weight: float
    target: float
    rule: ScoringRuleType = ScoringRule.HIGHER_BETTER  # type: ignore[valid-type]
    deduct: float = 0.0
    lower_is_better: bool = False
    no_data: NoDataType = NoData.EXCLUDE  # type: ignore[valid-type]

    def to_rule(self) -> IndicatorRule:
        return IndicatorRule(indicator=Indicator(self.indicator), weight=self.weight, target=self.target,
                             rule=ScoringRule(self.rule), deduct=self.deduct, lower_is_better=self.lower_is_better,
                             no_data=NoData(self.no_data))


@strawberry.input
class DefineAssessmentSchemeInput:
    name: str
    indicators: list[IndicatorRuleInput]


@strawberry.type(name="AssessmentScheme")
class AssessmentSchemeType:
    id: strawberry.ID
    version: int
    name: str
    created_at: datetime
    indicators: list[IndicatorRuleType]

    @classmethod
    def from_model(cls, scheme: AssessmentScheme) -> AssessmentSchemeType:
        return cls(id=strawberry.ID(str(scheme.id)), version=scheme.version, name=scheme.name,
                   created_at=scheme.created_at,
                   indicators=[IndicatorRuleType.from_rule(IndicatorRule.from_dict(d)) for d in scheme.indicators])


@strawberry.type
class IndicatorScoreType:
    indicator: IndicatorType  # type: ignore[valid-type]
    value: float | None
    target: float
    weight: float = strawberry.field(description="points the indicator is worth in this score (scaled to 100)")
    earned: float
    lost: float
    counted: bool
    note: str


@strawberry.type(name="UnitScore")
class UnitScoreType:
    unit: UnitRef
    month: str
    score: float | None
    rank: int | None
    items: list[IndicatorScoreType]

    @strawberry.field(description="the indicators that cost points, the costliest first")
    def lost_on(self) -> list[IndicatorScoreType]:
        return sorted((i for i in self.items if i.lost > 1e-9), key=lambda i: -i.lost)

    @classmethod
    def from_model(cls, score: AssessmentScore) -> UnitScoreType:
        return cls(unit=UnitRef(kind=UnitKind(score.unit_kind), id=strawberry.ID(score.unit_id), name=score.unit_name),
                   month=score.month, score=score.score, rank=score.rank,
                   items=[IndicatorScoreType(indicator=Indicator(i["indicator"]), value=i["value"], target=i["target"],
                                             weight=i["weight"], earned=i["earned"], lost=i["lost"],
                                             counted=i["counted"], note=i["note"]) for i in score.breakdown])


@strawberry.type
class AssessmentRanking:
    month: str
    computed_at: datetime
    scheme_version: int
    unit_kind: UnitKindType  # type: ignore[valid-type]
    scores: list[UnitScoreType]


@strawberry.type(name="AssessmentRun")
class AssessmentRunType:
    id: strawberry.ID
    month: str
    computed_at: datetime
