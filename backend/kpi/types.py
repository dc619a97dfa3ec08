"""GraphQL types of the hazard KPIs."""

from __future__ import annotations

import strawberry

from backend.kpi.rules import GradeFigures, VerdictFigures


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
