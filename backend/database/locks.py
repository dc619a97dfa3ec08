"""Serialising writes on SQLite, which has no row locks."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.org.models import Mine


async def sqlite_write_lock(session: AsyncSession, mine_id: uuid.UUID) -> None:
    """SQLite ignores FOR UPDATE: a no-op UPDATE takes its database write lock first, so that concurrent steps
    (and their audit-chain appends) run one after another instead of colliding. A no-op elsewhere."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(Mine).where(Mine.id == mine_id).values(updated_at=Mine.updated_at)
                              .execution_options(synchronize_session=False))


async def lock_mine(session: AsyncSession, mine_id: uuid.UUID) -> Mine | None:
    """The mine's row, read afresh and locked to the end of the transaction (PostgreSQL: FOR UPDATE; SQLite: the
    database write lock), so that changes to one mine's settings, registries and codes take turns."""
    await sqlite_write_lock(session, mine_id)
    return await session.get(Mine, mine_id, with_for_update=True, populate_existing=True)
