"""GraphQL types of the reports."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.reports.models import Report, ReportFormat, ReportKind, ReportTrigger

ReportKindType = strawberry.enum(ReportKind, name="ReportKind")
ReportFormatType = strawberry.enum(ReportFormat, name="ReportFormat")
ReportTriggerType = strawberry.enum(ReportTrigger, name="ReportTrigger")


@strawberry.type(name="Report")
class ReportType:
    model: strawberry.Private[Report]
    id: strawberry.ID
    kind: ReportKindType  # type: ignore[valid-type]
    list: str | None = strawberry.field(description="the list exported (null: the whole monthly report)")
    format: ReportFormatType  # type: ignore[valid-type]
    label: str = strawberry.field(description="the month, YYYY-MM")
    period_start: datetime
    period_end: datetime
    size: int
    sha256: str
    figures_digest: str = strawberry.field(description="the same for every report of the same month: the figures "
                                                       "come from the audit trail as it was at the month's end")
    trigger: ReportTriggerType  # type: ignore[valid-type]
    created_at: datetime
    download_url: str = strawberry.field(description="a signed URL, valid for an hour")

    @classmethod
    def from_model(cls, report: Report, download_url: str) -> ReportType:
        return cls(model=report, id=strawberry.ID(str(report.id)), kind=report.kind, list=report.list_name,
                   format=report.format, label=report.label, period_start=report.period_start,
                   period_end=report.period_end, size=report.size, sha256=report.sha256,
                   figures_digest=report.figures_digest, trigger=report.trigger, created_at=report.created_at,
                   download_url=download_url)


@strawberry.input
class GenerateReportInput:
    month: str = strawberry.field(description="YYYY-MM, in the mine's time zone")
    format: ReportFormatType  # type: ignore[valid-type]
    list: str | None = strawberry.field(default=None, description="one list (see reportLists); null: the whole "
                                                                  "monthly report (PDF, or every list as XLSX)")
