"""reports, reportLists and generateReport."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.roles import Principal
from backend.graphql.context import Context
from backend.graphql.errors import NotAllowedType, ValidationFailedType, returns_domain_errors
from backend.graphql.ids import parse_id
from backend.kpi.permissions import CanGenerateReports
from backend.reports import flows, service
from backend.reports.models import Report, ReportFormat
from backend.reports.types import GenerateReportInput, ReportType
from backend.storage.service import download_url

REPORT_LISTS = ("summary", "by_grade", "daily", "overdue_by_area", "overdue_by_team", "overdue_by_person", "overdue",
                "leading_lagging", "ranking_team", "ranking_area", "kpis_by_area", "kpis_by_team", "state_hours",
                "recurring", "alerts", "maintenance", "training", "proficiency", "ranking_person", "hazards")


async def _type(ctx: Context, report: Report) -> ReportType:
    return ReportType.from_model(report, await download_url(store=ctx.store, settings=ctx.settings, key=report.key))


def _reader(ctx: Context) -> Principal:
    principal = ctx.person()
    CanGenerateReports.check(principal)
    return principal


GenerateReportResult = Annotated[
    ReportType | NotAllowedType | ValidationFailedType, strawberry.union("GenerateReportResult")]


@strawberry.type
class Query:
    @strawberry.field(description="The mine's reports, newest first, each with a signed download URL.")
    async def reports(self, info: Info[Context, None], first: int = 50) -> list[ReportType]:
        ctx = info.context
        principal = _reader(ctx)
        rows = await service.list_reports(session=ctx.session, mine_id=principal.mine_id, first=max(1, min(first, 200)))
        return [await _type(ctx, r) for r in rows]

    @strawberry.field
    async def report(self, info: Info[Context, None], id: strawberry.ID) -> ReportType | None:
        ctx = info.context
        principal = _reader(ctx)
        report = await service.get(session=ctx.session, report_id=parse_id(id, "id"))
        if report is None or report.mine_id != principal.mine_id:
            return None
        return await _type(ctx, report)

    @strawberry.field(description="The lists a monthly report holds, each exportable as CSV or XLSX.")
    def report_lists(self) -> list[str]:
        return list(REPORT_LISTS)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Generate a month's safety report (PDF, or XLSX of every list) or one list "
                                     "(CSV or XLSX) now; it is stored and listed in `reports`.")
    @returns_domain_errors
    async def generate_report(self, info: Info[Context, None], input: GenerateReportInput) -> GenerateReportResult:
        ctx = info.context
        actor = ctx.person()
        CanGenerateReports.check(actor)
        report = await flows.generate(ctx.session, store=ctx.store, actor=actor, mine_id=actor.mine_id,
                                      month=input.month, format=ReportFormat(input.format), list_name=input.list)
        await ctx.commit()
        return await _type(ctx, report)
