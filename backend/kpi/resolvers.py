"""hazardKpis and alertKpis for managers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import strawberry
from strawberry.types import Info

from backend.accounts.roles import Principal, Role
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import ClientError
from backend.graphql.ids import parse_optional_id
from backend.kpi import service
from backend.kpi.rules import alert_kpis, hazard_kpis, sensor_kpis
from backend.kpi.types import (
    AlertKpiReport,
    AlertVerdictKpi,
    GradeKpi,
    HazardKpiReport,
    SensorKpi,
    SensorKpiReport,
    TeamOverdue,
)

KPI_ROLES = (Role.AREA_MANAGER, Role.MINE_MANAGER, Role.SAFETY_OFFICER, Role.ADMIN)


def _kpi_scope(ctx: Context, area_id: strawberry.ID | None) -> tuple[Principal, uuid.UUID | None]:
    """The caller (a manager or safety officer) and the area the figures cover (an area manager: their own)."""
    principal = ctx.person()
    if not principal.has_any(*KPI_ROLES):
        raise ClientError("KPIs are for managers and safety officers", "FORBIDDEN")
    area = parse_optional_id(area_id, "areaId")
    if Role.AREA_MANAGER in principal.roles and not principal.has_any(Role.MINE_MANAGER, Role.SAFETY_OFFICER,
                                                                      Role.ADMIN):
        area = principal.area_id  # an area manager sees their own area
    return principal, area


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
            raise ClientError("periodFrom must be before periodTo (and not in the future)", "BAD_USER_INPUT")
        facts = await service.sensor_facts(session=ctx.session, mine_id=principal.mine_id, period_start=period_start,
                                           period_end=period_end, now=now, area_id=area)
        kpis = sensor_kpis(facts)
        return SensorKpiReport(period_start=period_start, period_end=period_end,
                               overall=SensorKpi.from_figures(None, kpis.overall),
                               by_kind=[SensorKpi.from_figures(kind, figures)
                                        for kind, figures in sorted(kpis.by_kind.items())])
