"""The scheduled reports: after each month ends, every mine gets its monthly safety report (PDF and XLSX).

Started in the app's lifespan (every ``reports_sweep_interval_seconds``; 0: off) and by the CLI
(`minesafe reports monthly`, e.g. from cron when the app's own loop is off).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from backend.config import Settings
from backend.database.base import utcnow
from backend.kpi import service as kpi_service
from backend.kpi.rules import PeriodKind, period_containing
from backend.org.models import Mine
from backend.platform import Platform
from backend.reports import flows
from backend.reports.models import Report

logger = logging.getLogger(__name__)


def last_finished_month(now: datetime, timezone: str) -> str:
    this_month = period_containing(PeriodKind.MONTH, now, timezone)
    return period_containing(PeriodKind.MONTH, this_month.start - timedelta(seconds=1), timezone).label


async def sweep_once(platform: Platform, *, now: datetime | None = None, month: str | None = None,
                     mine_code: str | None = None) -> list[Report]:
    """Each mine's report of the last finished month (or of `month`), where it is not there yet."""
    now = now or utcnow()
    async with platform.session_factory() as session:
        query = select(Mine.id, Mine.code)
        if mine_code is not None:
            query = query.where(Mine.code == mine_code)
        mines: list[tuple[uuid.UUID, str]] = [(r[0], r[1]) for r in await session.execute(query)]
    made: list[Report] = []
    for mine_id, code in mines:
        async with platform.session_factory() as session:
            timezone = await kpi_service.mine_timezone(session=session, mine_id=mine_id)
            wanted = month or last_finished_month(now, timezone)
            try:
                made += await flows.generate_scheduled(session, store=platform.store, mine_id=mine_id, month=wanted,
                                                       now=now)
            except Exception:
                logger.exception("the %s report of mine %s failed; trying again next sweep", wanted, code)
    return made


async def sweep_loop(platform: Platform) -> None:
    """Sweep every interval; a failed sweep is logged and tried again next time."""
    interval_s = platform.settings.reports_sweep_interval_seconds
    if interval_s <= 0:
        return
    while True:
        await asyncio.sleep(interval_s)
        try:
            made = await sweep_once(platform)
            if made:
                logger.info("reports sweep: %s reports generated", len(made))
        except Exception:
            logger.exception("reports sweep failed; trying again in %.0f s", interval_s)


async def sweep_from_cli(settings: Settings, *, month: str | None = None, mine_code: str | None = None
                         ) -> list[Report]:
    """`minesafe reports monthly`: one sweep with the configured database and object store."""
    platform = Platform.from_settings(settings)
    try:
        ensure = getattr(platform.store, "ensure_bucket", None)
        if ensure is not None:
            await ensure()
        return await sweep_once(platform, month=month, mine_code=mine_code)
    finally:
        await platform.close()
