"""Building a period's tables from the database, and reading the reports kept."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kpi import service as kpi_service
from backend.kpi.rules import Indicator, KpiFacts, Period, Unit, UnitKind, indicator_values, month_period, unit_kpis
from backend.kpi.scoring import DEFAULT_SCHEME, IndicatorRule
from backend.reports.figures import PeriodInputs, Table, digest, monthly_tables
from backend.reports.models import Report, ReportFormat, ReportKind, ReportTrigger

TREND_MONTHS = 2


@dataclass(frozen=True)
class MonthlyFigures:
    mine_name: str
    period: Period
    as_of: datetime
    timezone_offset: timedelta
    tables: list[Table]
    digest: str


async def monthly_figures(*, session: AsyncSession, mine_id: uuid.UUID, month: str, now: datetime,
                          trend_months: int = TREND_MONTHS) -> MonthlyFigures:
    """Every figure of a month's report, as the audit trail had it at the month's end."""
    timezone = await kpi_service.mine_timezone(session=session, mine_id=mine_id)
    period = month_period(month, timezone)
    facts = await kpi_service.kpi_facts(session=session, mine_id=mine_id, period=period, now=now)
    scheme_row = await kpi_service.scheme_as_of(session=session, mine_id=mine_id, as_of=facts.as_of)
    scheme: Sequence[IndicatorRule] = ([IndicatorRule.from_dict(d) for d in scheme_row.indicators]
                                       if scheme_row else DEFAULT_SCHEME)
    trend = []
    start = period.start
    for _ in range(trend_months):
        earlier = month_period((start - timedelta(days=1)).astimezone(ZoneInfo(timezone)).strftime("%Y-%m"),
                               timezone)
        trend.append((earlier.label, await mine_values(session=session, mine_id=mine_id, period=earlier, now=now)))
        start = earlier.start
    inputs = PeriodInputs(
        changes=await kpi_service.state_changes(session=session, mine_id=mine_id, period=period, as_of=facts.as_of),
        places=await kpi_service.place_facts(session=session, mine_id=mine_id, period=period, hazards=facts.hazards),
        scheme=scheme, trend=trend[::-1])
    offset = period.start.astimezone(ZoneInfo(timezone)).utcoffset() or timedelta(0)
    tables = monthly_tables(facts, inputs, offset)
    return MonthlyFigures(mine_name=facts.org.names.get(f"MINE:{mine_id}", str(mine_id)), period=period,
                          as_of=facts.as_of, timezone_offset=offset, tables=tables, digest=digest(tables))


async def mine_values(*, session: AsyncSession, mine_id: uuid.UUID, period: Period, now: datetime
                      ) -> dict[Indicator, float | None]:
    """The mine-wide indicators of one period (a report's trend columns)."""
    facts: KpiFacts = await kpi_service.kpi_facts(session=session, mine_id=mine_id, period=period, now=now)
    return indicator_values(unit_kpis(facts, Unit(UnitKind.MINE, str(mine_id))))


async def list_reports(*, session: AsyncSession, mine_id: uuid.UUID, first: int = 50) -> Sequence[Report]:
    return (await session.scalars(select(Report).where(Report.mine_id == mine_id)
                                  .order_by(Report.created_at.desc(), Report.id).limit(first))).all()


async def get(*, session: AsyncSession, report_id: uuid.UUID) -> Report | None:
    return await session.get(Report, report_id)


async def find(*, session: AsyncSession, mine_id: uuid.UUID, kind: ReportKind, label: str,
               format: ReportFormat, other_than: uuid.UUID | None = None) -> Report | None:
    """A scheduled report of that month and format (other than one just made)."""
    query = select(Report).where(Report.mine_id == mine_id, Report.kind == kind, Report.label == label,
                                 Report.format == format, Report.trigger == ReportTrigger.SCHEDULED)
    if other_than is not None:
        query = query.where(Report.id != other_than)
    return await session.scalar(query.order_by(Report.created_at, Report.id).limit(1))
