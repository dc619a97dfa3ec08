"""The periodic positioning sweep: 超时 (underground past the shift) and lost contact (a silent tag underground).

Started in the app's lifespan (every ``alerts_sweep_interval_seconds``; 0: off)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

from backend.database.base import utcnow
from backend.database.unit_of_work import commit_and_publish
from backend.platform import Platform
from backend.positioning import flows

logger = logging.getLogger(__name__)


async def sweep_once(platform: Platform, *, now: datetime | None = None,
                     mine_id: uuid.UUID | None = None) -> tuple[int, int]:
    """One sweep over every mine (or one); returns (overtime alerts raised, lost-contact alerts raised)."""
    async with platform.session_factory() as session:
        overtime, silent = await flows.sweep_positions(session, now=now or utcnow(), mine_id=mine_id)
        await commit_and_publish(session, platform.publisher)
    if overtime or silent:
        logger.info("positioning sweep: %s overtime, %s lost contact", overtime, silent)
    return overtime, silent


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
            logger.exception("positioning sweep failed; trying again in %.0f s", interval_s)
