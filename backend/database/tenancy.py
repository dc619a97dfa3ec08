"""Tenancy below the domains: a record is read only within its mine, and the one mine lock.

This is the one place that knows SQLite from PostgreSQL: SQLite has no row locks (FOR UPDATE is ignored) and
its upserts come from its own dialect, so the helpers here hide both from the domains.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Session

from backend.errors import NotFound
from backend.org.models import Mine


class MineScoped(Protocol):
    id: Any
    mine_id: Any


Record = TypeVar("Record", bound=MineScoped)


def dialect_of(session: AsyncSession | Session) -> str:
    """The session's database: "postgresql" or "sqlite"."""
    return session.get_bind().dialect.name


def is_postgresql(session: AsyncSession | Session) -> bool:
    return dialect_of(session) == "postgresql"


def upsert(session: AsyncSession | Session, table: Any) -> Any:
    """An INSERT that takes on_conflict_do_nothing / on_conflict_do_update on this session's database."""
    return (postgresql_insert if is_postgresql(session) else sqlite_insert)(table)


async def get_in_mine_or_raise(session: AsyncSession, model: type[Record], record_id: uuid.UUID,
                               mine_id: uuid.UUID, *, missing: str, for_update: bool = False,
                               populate_existing: bool = False) -> Record:
    """The record, locked to the end of the transaction when for_update; another mine's record is reported
    exactly like a missing one (NotFound with the message missing)."""
    if for_update:
        await session.flush()   # reading afresh (populate_existing) would drop an unflushed change otherwise
        await row_write_lock(session, model.updated_at, model.id == record_id)  # type: ignore[attr-defined]
    record = await session.get(model, record_id, with_for_update=for_update,
                               populate_existing=populate_existing or for_update)
    if record is None or record.mine_id != mine_id:
        raise NotFound(missing)
    return record


async def row_write_lock(session: AsyncSession, column: InstrumentedAttribute[Any], where: Any) -> None:
    """SQLite: a no-op UPDATE of one row takes the database write lock, so that concurrent steps on that row wait
    and then read the winner's result. A no-op on PostgreSQL, which locks rows with FOR UPDATE."""
    if not is_postgresql(session):
        await session.execute(update(column.class_).where(where).values({column.key: column})
                              .execution_options(synchronize_session=False))


async def sqlite_write_lock(session: AsyncSession, mine_id: uuid.UUID) -> None:
    """SQLite ignores FOR UPDATE: a no-op UPDATE takes its database write lock first, so that concurrent steps
    (and their audit-chain appends) run one after another instead of colliding. A no-op elsewhere."""
    if not is_postgresql(session):
        await session.execute(update(Mine).where(Mine.id == mine_id).values(updated_at=Mine.updated_at)
                              .execution_options(synchronize_session=False))


async def lock_mine(session: AsyncSession, mine_id: uuid.UUID) -> Mine | None:
    """The mine's row, read afresh and locked to the end of the transaction (PostgreSQL: FOR UPDATE; SQLite: the
    database write lock), so that changes to one mine's settings, registries and codes take turns.

    The session's pending changes are flushed first: reading the row afresh (populate_existing) would otherwise
    throw away an unflushed change to the same mine made earlier in the transaction (autoflush is off)."""
    await session.flush()
    await sqlite_write_lock(session, mine_id)
    return await session.get(Mine, mine_id, with_for_update=True, populate_existing=True)
