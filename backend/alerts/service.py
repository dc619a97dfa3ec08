"""Alert queries and plain writes (never commits)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.alerts.rules import OPEN_STATES, STATE_RANK, AlertOrder
from backend.database import pagination, tenancy
from backend.errors import ValidationFailed
from contracts.alerts import SEVERITY_ORDER, AlertSeverity, AlertSource, AlertState

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


async def get(*, session: AsyncSession, alert_id: uuid.UUID) -> Alert | None:
    """One alert by id."""
    return await session.get(Alert, alert_id)


async def get_in_mine_or_raise(*, session: AsyncSession, alert_id: uuid.UUID, mine_id: uuid.UUID,
                               for_update: bool = False) -> Alert:
    """The alert, locked when for_update."""
    return await tenancy.get_in_mine_or_raise(session, Alert, alert_id, mine_id, missing="no such alert",
                                              for_update=for_update)


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
    values = {"id": uuid.uuid4(), **values}
    statement = tenancy.upsert(session, Alert).values(**values).on_conflict_do_nothing().returning(Alert)
    return await session.scalar(statement, execution_options={"populate_existing": True})


async def latest_by_key(*, session: AsyncSession, mine_id: uuid.UUID, dedupe_key: str) -> Alert | None:
    """The most recently raised alert of a key, open or not."""
    return await session.scalar(select(Alert).where(Alert.mine_id == mine_id, Alert.dedupe_key == dedupe_key)
                                .order_by(Alert.first_raised_at.desc()).limit(1))


def encode_cursor(alert: Alert, order: AlertOrder = AlertOrder.NEWEST) -> str:
    """The opaque cursor of an alert in a list of that order."""
    if order is AlertOrder.NEWEST:
        return pagination.encode_cursor(alert.first_raised_at, alert.id)
    key = f"open|{STATE_RANK[alert.state]}|{alert.severity.rank}|{alert.last_raised_at.isoformat()}|{alert.id}"
    return base64.urlsafe_b64encode(key.encode()).decode()


def _decode_open_cursor(cursor: str) -> tuple[int, int, datetime, uuid.UUID]:
    try:
        tag, state, severity, raw_at, raw_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        at = datetime.fromisoformat(raw_at)
        if tag != "open" or at.tzinfo is None:
            raise ValueError("not an open-first cursor")
        return int(state), int(severity), at, uuid.UUID(raw_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed("after is not a cursor from this list", field="after") from error


def _state_rank() -> ColumnElement[int]:
    return case(*((Alert.state == state, rank) for state, rank in STATE_RANK.items()), else_=len(STATE_RANK))


def _severity_rank() -> ColumnElement[int]:
    return case(*((Alert.severity == severity, severity.rank) for severity in SEVERITY_ORDER), else_=-1)


def _filtered(query: Select[Any], criteria: AlertFilter) -> Select[Any]:
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
                    after: str | None, order: AlertOrder = AlertOrder.NEWEST) -> AlertPage:
    """One page by an opaque cursor: NEWEST by first raise (first_raised_at, id); OPEN_FIRST unacknowledged,
    then acknowledged, then resolved, each most severe first, then by latest raise (state, severity,
    last_raised_at, id), so that no open alert ever hides behind a page of resolved ones."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}", field="first")
    query = _filtered(select(Alert).where(Alert.mine_id == mine_id), criteria)
    if order is AlertOrder.OPEN_FIRST:
        state, severity = _state_rank(), _severity_rank()
        if after:
            s0, v0, at0, id0 = _decode_open_cursor(after)
            later = or_(Alert.last_raised_at < at0, and_(Alert.last_raised_at == at0, Alert.id < id0))
            query = query.where(or_(state > s0, and_(state == s0, or_(
                severity < v0, and_(severity == v0, later)))))
        query = query.order_by(state, severity.desc(), Alert.last_raised_at.desc(), Alert.id.desc())
    else:
        if after:
            raised, alert_id = pagination.decode_cursor(after)
            # a row-value comparison seeks ix_alerts_mine_raised to the cursor (an OR of two conditions does not)
            query = query.where(tuple_(Alert.first_raised_at, Alert.id) < (raised, alert_id))
        query = query.order_by(Alert.first_raised_at.desc(), Alert.id.desc())
    rows = (await session.scalars(query.limit(first + 1))).all()
    page = rows[:first]
    return AlertPage(alerts=page, has_next_page=len(rows) > first,
                     end_cursor=encode_cursor(page[-1], order) if page else None)


@dataclass(frozen=True, slots=True)
class AlertCounts:
    unacknowledged: int
    acknowledged: int


async def counts(*, session: AsyncSession, mine_id: uuid.UUID, criteria: AlertFilter) -> AlertCounts:
    """How many open alerts match, by state (one query; the figure every screen shows)."""
    query = _filtered(select(Alert.state, func.count()).where(Alert.mine_id == mine_id,
                                                              Alert.state.in_(list(OPEN_STATES))), criteria)
    found: dict[AlertState, int] = {state: n for state, n in (await session.execute(query.group_by(Alert.state))).all()}
    return AlertCounts(unacknowledged=found.get(AlertState.RAISED, 0),
                       acknowledged=found.get(AlertState.ACKNOWLEDGED, 0))


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

