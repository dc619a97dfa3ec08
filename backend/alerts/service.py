"""Alert queries and plain writes (never commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.alerts.rules import OPEN_STATES, AlertSeverity, AlertSource, AlertState
from backend.database.locks import sqlite_write_lock
from backend.graphql import cursors
from backend.graphql.errors import NotFoundError, ValidationFailedError

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class AlertFilter:
    state: AlertState | None = None
    severity: AlertSeverity | None = None
    source: AlertSource | None = None
    area_id: uuid.UUID | None = None
    since: datetime | None = None
    visible_area_id: uuid.UUID | None = None
    """Set for people who see only their own area's alerts and the mine-wide ones."""
    own_area_only: bool = False


@dataclass(frozen=True, slots=True)
class AlertPage:
    alerts: Sequence[Alert]
    has_next_page: bool
    end_cursor: str | None


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def get(*, session: AsyncSession, alert_id: uuid.UUID) -> Alert | None:
    """One alert by id."""
    return await session.get(Alert, alert_id)


async def get_in_mine_or_raise(*, session: AsyncSession, alert_id: uuid.UUID, mine_id: uuid.UUID,
                               for_update: bool = False) -> Alert:
    """The alert, locked when for_update; another mine's alert is reported as missing."""
    if for_update:
        await sqlite_write_lock(session, mine_id)
    alert = await session.get(Alert, alert_id, with_for_update=for_update, populate_existing=for_update)
    if alert is None or alert.mine_id != mine_id:
        raise NotFoundError("no such alert")
    return alert


async def find_open(*, session: AsyncSession, mine_id: uuid.UUID, dedupe_key: str,
                    for_update: bool = False) -> Alert | None:
    """The open (raised or acknowledged) alert of a dedupe key, if any."""
    query = select(Alert).where(Alert.mine_id == mine_id, Alert.dedupe_key == dedupe_key,
                                Alert.state.in_(list(OPEN_STATES)))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def find_by_client_id(*, session: AsyncSession, mine_id: uuid.UUID, client_id: uuid.UUID) -> Alert | None:
    return await session.scalar(select(Alert).where(Alert.mine_id == mine_id, Alert.client_id == client_id)
                                .execution_options(populate_existing=True))


async def insert_unless_conflict(*, session: AsyncSession, values: dict[str, Any]) -> Alert | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the new alert, or None when an open alert of the key (or the
    client id) already exists — a concurrent raise that committed first (PostgreSQL waits for it, then skips)."""
    insert = postgresql_insert if dialect_of(session) == "postgresql" else sqlite_insert
    values = {"id": uuid.uuid4(), **values}
    statement = insert(Alert).values(**values).on_conflict_do_nothing().returning(Alert)
    return await session.scalar(statement, execution_options={"populate_existing": True})


async def latest_by_key(*, session: AsyncSession, mine_id: uuid.UUID, dedupe_key: str) -> Alert | None:
    """The most recently raised alert of a key, open or not."""
    return await session.scalar(select(Alert).where(Alert.mine_id == mine_id, Alert.dedupe_key == dedupe_key)
                                .order_by(Alert.first_raised_at.desc()).limit(1))


def encode_cursor(alert: Alert) -> str:
    return cursors.encode_cursor(alert.first_raised_at, alert.id)


def _filtered(query: Select[tuple[Alert]], criteria: AlertFilter) -> Select[tuple[Alert]]:
    if criteria.state is not None:
        query = query.where(Alert.state == criteria.state)
    if criteria.severity is not None:
        query = query.where(Alert.severity == criteria.severity)
    if criteria.source is not None:
        query = query.where(Alert.source == criteria.source)
    if criteria.area_id is not None:
        query = query.where(Alert.area_id == criteria.area_id)
    if criteria.since is not None:
        query = query.where(Alert.last_raised_at >= criteria.since)
    if criteria.own_area_only:
        own = Alert.area_id.is_(None) if criteria.visible_area_id is None else or_(
            Alert.area_id.is_(None), Alert.area_id == criteria.visible_area_id)
        query = query.where(own)
    return query


async def list_page(*, session: AsyncSession, mine_id: uuid.UUID, criteria: AlertFilter, first: int,
                    after: str | None) -> AlertPage:
    """Newest first (by first raise), paginated by an opaque (first_raised_at, id) cursor."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailedError(f"first must be between 1 and {MAX_PAGE_SIZE}", field="first")
    query = _filtered(select(Alert).where(Alert.mine_id == mine_id), criteria)
    if after:
        raised, alert_id = cursors.decode_cursor(after)
        query = query.where(or_(Alert.first_raised_at < raised,
                                and_(Alert.first_raised_at == raised, Alert.id < alert_id)))
    rows = (await session.scalars(query.order_by(Alert.first_raised_at.desc(), Alert.id.desc())
                                  .limit(first + 1))).all()
    page = rows[:first]
    return AlertPage(alerts=page, has_next_page=len(rows) > first,
                     end_cursor=encode_cursor(page[-1]) if page else None)


async def open_unacknowledged(*, session: AsyncSession, severities: Sequence[AlertSeverity]) -> Sequence[Alert]:
    """Raised, not yet acknowledged alerts of every mine (candidates for escalation)."""
    if not severities:
        return []
    return (await session.scalars(select(Alert).where(Alert.state == AlertState.RAISED,
                                                      Alert.severity.in_(list(severities)))
                                  .order_by(Alert.mine_id, Alert.first_raised_at))).all()


async def open_of_source(*, session: AsyncSession, source: AlertSource) -> Sequence[Alert]:
    return (await session.scalars(select(Alert).where(Alert.source == source,
                                                      Alert.state.in_(list(OPEN_STATES))))).all()


async def alerts_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Alert | None]:
    found = {a.id: a for a in await session.scalars(select(Alert).where(Alert.id.in_(set(ids))))}
    return [found.get(i) for i in ids]

