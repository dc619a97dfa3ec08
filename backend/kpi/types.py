"""GraphQL types of the hazard KPIs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.kpi.rules import GradeFigures, SensorFigures, VerdictFigures


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
