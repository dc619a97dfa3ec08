"""The periodic retention of sensor history, run in the app's lifespan and by `minesafe sensor-data retain`."""

from __future__ import annotations

import asyncio
import logging

from backend.platform import Platform
from backend.sensors import flows
from backend.sensors.service import RetainResult

logger = logging.getLogger(__name__)
FIRST_RUN_DELAY_S = 30.0


async def run_retention(platform: Platform) -> RetainResult:
    """Apply the retention periods of Settings once, in one transaction."""
    async with platform.session_factory() as session:
        result = await flows.retain(session, settings=platform.settings)
        await session.commit()
    return result


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
