"""The periodic retention of sensor history, run in the app's lifespan and by `minesafe sensor-data retain`."""

from __future__ import annotations

import asyncio
import logging

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
