"""The periodic alerts sweep: escalate unacknowledged alerts, raise and resolve overdue-hazard alerts.

Started in the app's lifespan (every ``alerts_sweep_interval_seconds``; 0: off) and by the CLI
(`minesafe alerts escalate`, e.g. from cron when the app's own loop is off).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from backend.alerts import flows
from backend.config import Settings
from backend.database.base import utcnow
from backend.database.unit_of_work import commit_and_publish
from backend.inspections import flows as inspection_flows
from backend.platform import Platform

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SweepReport:
    escalated: int
    overdue_raised: int
    overdue_resolved: int


async def sweep_once(platform: Platform, *, now: datetime | None = None) -> SweepReport:
    """One sweep; each part commits (and publishes) on its own, so one failing part does not undo the other."""
    now = now or utcnow()
    async with platform.session_factory() as session:
        raised, resolved = await flows.sweep_overdue_hazards(session, now=now)
        await commit_and_publish(session, platform.publisher)
    async with platform.session_factory() as session:  # missed inspection checks and overdue risk reviews
        checks_raised, checks_resolved = await inspection_flows.sweep_overdue(session, now=now)
        await commit_and_publish(session, platform.publisher)
    raised, resolved = raised + checks_raised, resolved + checks_resolved
    async with platform.session_factory() as session:
        escalated = await flows.escalate_due(session, now=now)
        await commit_and_publish(session, platform.publisher)
    report = SweepReport(escalated=len(escalated), overdue_raised=raised, overdue_resolved=resolved)
    if escalated or raised or resolved:
        logger.info("alerts sweep: %s escalated, %s overdue alerts raised (hazards, checks, reviews), %s resolved",
                    report.escalated, report.overdue_raised, report.overdue_resolved)
    return report


async def sweep_loop(platform: Platform) -> None:
    """Sweep every interval; a failed sweep is logged and tried again next time."""
    interval_s = platform.settings.alerts_sweep_interval_seconds
    if interval_s <= 0:
        return
    while True:
        await asyncio.sleep(interval_s)
        try:
            await sweep_once(platform)
        except Exception:
            logger.exception("alerts sweep failed; trying again in %.0f s", interval_s)


async def sweep_from_cli(settings: Settings, *, now: datetime | None = None) -> SweepReport:
    """`minesafe alerts escalate`: one sweep with the configured database and event bus."""
    platform = Platform.from_settings(settings)
    try:
        return await sweep_once(platform, now=now)
    finally:
        await platform.close()
