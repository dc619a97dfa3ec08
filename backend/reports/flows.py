"""Generating a report: figures, bytes, the object store, the Report row and its audit entry."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.errors import ValidationFailed
from backend.reports import service
from backend.reports.exports import to_csv, to_xlsx
from backend.reports.models import Report, ReportFormat, ReportKind, ReportTrigger
from backend.reports.render import ReportHeader, render_pdf
from backend.storage.base import ObjectStore

logger = logging.getLogger(__name__)
CONTENT_TYPES = {ReportFormat.PDF: "application/pdf", ReportFormat.CSV: "text/csv; charset=utf-8",
                 ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


async def generate(session: AsyncSession, *, store: ObjectStore, actor: Principal | None, mine_id: uuid.UUID,
                   month: str, format: ReportFormat, list_name: str | None = None,
                   trigger: ReportTrigger = ReportTrigger.ON_DEMAND, now: datetime | None = None) -> Report:
    """The month's safety report (PDF, or every table as XLSX) or one list (CSV or XLSX), stored and recorded.

    The caller commits. The figures are those of the audit trail at the month's end, so the digest of a
    past month's figures is the same whenever it is generated.
    """
    now = now or utcnow()
    try:
        figures = await service.monthly_figures(session=session, mine_id=mine_id, month=month, now=now)
    except ValueError as error:
        raise ValidationFailed(str(error), field="month") from error
    if figures.period.start > now:
        raise ValidationFailed("that month has not begun", field="month")
    tables = figures.tables
    if list_name is not None:
        chosen = [t for t in tables if t.name == list_name]
        if not chosen:
            raise ValidationFailed(f"no list named {list_name!r}; lists: {', '.join(t.name for t in tables)}",
                                        field="list")
        tables = chosen
    if format is ReportFormat.PDF:
        if list_name is not None:
            raise ValidationFailed("a single list is exported as CSV or XLSX", field="format")
        header = ReportHeader(mine_name=figures.mine_name, label=figures.period.label,
                              period_start=figures.period.start, period_end=figures.period.end, as_of=figures.as_of,
                              generated_at=now, digest=figures.digest, timezone_offset=figures.timezone_offset)
        data = await asyncio.to_thread(render_pdf, header, tables)
    elif format is ReportFormat.CSV:
        if len(tables) != 1:
            raise ValidationFailed("CSV holds one list: name it", field="list")
        data = to_csv(tables[0])
    else:
        data = await asyncio.to_thread(to_xlsx, tables)
    kind = ReportKind.LIST if list_name is not None else ReportKind.MONTHLY_SAFETY
    report_id = uuid.uuid4()
    name = list_name or "monthly-safety"
    key = f"reports/{mine_id}/{figures.period.label}/{name}-{report_id}.{format.value.lower()}"
    await store.put(key, data, content_type=CONTENT_TYPES[format])
    report = Report(id=report_id, mine_id=mine_id, kind=kind, list_name=list_name, format=format,
                    label=figures.period.label, period_start=figures.period.start, period_end=figures.period.end,
                    key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest(), figures_digest=figures.digest,
                    trigger=trigger, requested_by_id=actor.id if actor else None, created_at=now)
    session.add(report)
    await session.flush()
    await record_audit(session, actor=actor, mine_id=mine_id, action="report.generated", subject_type="report",
                       subject_id=report.id, before={},
                       after={"kind": kind, "format": format, "label": report.label, "list": list_name,
                              "key": key, "sha256": report.sha256, "figures_digest": report.figures_digest,
                              "trigger": trigger})
    logger.info("report %s %s %s for mine %s: %s bytes", kind.value, format.value, report.label, mine_id, len(data))
    return report


async def generate_scheduled(session: AsyncSession, *, store: ObjectStore, mine_id: uuid.UUID, month: str,
                             now: datetime | None = None) -> list[Report]:
    """The month's scheduled PDF and XLSX, unless they exist; two replicas sweeping at once store them once."""
    made = []
    for format in (ReportFormat.PDF, ReportFormat.XLSX):
        if await service.find(session=session, mine_id=mine_id, kind=ReportKind.MONTHLY_SAFETY, label=month,
                              format=format) is not None:
            continue
        report = await generate(session, store=store, actor=None, mine_id=mine_id, month=month, format=format,
                                trigger=ReportTrigger.SCHEDULED, now=now)
        await lock_mine(session, mine_id)  # check again under the mine's lock: another replica may have won
        twin = await service.find(session=session, mine_id=mine_id, kind=ReportKind.MONTHLY_SAFETY, label=month,
                                  format=format, other_than=report.id)
        if twin is not None:
            await session.rollback()
            await store.delete(report.key)
            continue
        await session.commit()
        made.append(report)
    return made
