"""Periodic sensor work in the app's lifespan: the retention of sensor history (also `minesafe sensor-data
retain`) and the check that raises an alert when a sensor bridge stops forwarding."""

from __future__ import annotations

import asyncio
import logging

from backend.database.unit_of_work import commit_and_publish
from backend.platform import Platform
from backend.sensors import flows
from backend.sensors.service import RetainResult

logger = logging.getLogger(__name__)
FIRST_RUN_DELAY_S = 30.0
CHUNK = 20_000


async def run_retention(platform: Platform, *, chunk: int = CHUNK) -> RetainResult:
    """Apply the retention periods of Settings, in transactions of at most `chunk` readings (ingestion goes on
    between them: SQLite has one writer at a time)."""
    total = RetainResult(readings_deleted=0, stats_deleted=0, batches_deleted=0)
    while True:
        async with platform.session_factory() as session:
            result = await flows.retain(session, settings=platform.settings, max_readings=chunk)
            await session.commit()
        total = RetainResult(readings_deleted=total.readings_deleted + result.readings_deleted,
                             stats_deleted=total.stats_deleted + result.stats_deleted,
                             batches_deleted=total.batches_deleted + result.batches_deleted)
        if result.readings_deleted < chunk:
            return total
        await asyncio.sleep(0)


async def retention_loop(platform: Platform) -> None:
    """Every ``sensor_retain_interval_minutes`` (0: never); a failed run is logged and tried again next time."""
    interval_s = platform.settings.sensor_retain_interval_minutes * 60
    if interval_s <= 0:
        return
    await asyncio.sleep(min(FIRST_RUN_DELAY_S, interval_s))
    while True:
        try:
            await run_retention(platform)
        except Exception:
            logger.exception("sensor retention failed; trying again in %.0f s", interval_s)
        await asyncio.sleep(interval_s)


async def check_bridges_once(platform: Platform) -> tuple[int, int]:
    """One check of every bridge: (alerts raised, alerts resolved), committed and published."""
    async with platform.session_factory() as session:
        raised, resolved = await flows.check_bridges(session, settings=platform.settings)
        await commit_and_publish(session, platform.publisher)
    return raised, resolved


async def bridge_watch_loop(platform: Platform) -> None:
    """Every ``sensor_bridge_check_interval_seconds`` (0: never); a failed check is logged and tried again."""
    interval_s = platform.settings.sensor_bridge_check_interval_seconds
    if interval_s <= 0:
        return
    while True:
        await asyncio.sleep(interval_s)
        try:
            await check_bridges_once(platform)
        except Exception:
            logger.exception("sensor bridge check failed; trying again in %.0f s", interval_s)
