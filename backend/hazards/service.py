"""Hazard queries and plain writes (never commits)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database import pagination, tenancy
from backend.database.base import utcnow
from backend.errors import ValidationFailed
from backend.hazards.models import Hazard, HazardCategory, HazardPhoto, PhotoStage
from backend.hazards.rules import OPEN_STATES
from contracts.hazards import HazardGrade, HazardSource, HazardState

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class HazardFilter:
    states: Sequence[HazardState] = field(default_factory=tuple)
    grade: HazardGrade | None = None
    area_id: uuid.UUID | None = None
    responsible_id: uuid.UUID | None = None
    reporter_id: uuid.UUID | None = None
    source: HazardSource | None = None
    overdue: bool | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    text: str | None = None          # words in the description, place or reporter's name
    category_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class HazardPage:
    hazards: Sequence[Hazard]
    has_next_page: bool
    end_cursor: str | None


async def get(*, session: AsyncSession, hazard_id: uuid.UUID) -> Hazard | None:
    """One hazard by id."""
    return await session.get(Hazard, hazard_id)


async def get_in_mine_or_raise(*, session: AsyncSession, hazard_id: uuid.UUID, mine_id: uuid.UUID,
                               for_update: bool = False) -> Hazard:
    """The hazard, locked when for_update (a retried submission waits, then reads the winner's result)."""
    return await tenancy.get_in_mine_or_raise(session, Hazard, hazard_id, mine_id, missing="no such hazard",
                                              for_update=for_update)


def encode_cursor(hazard: Hazard) -> str:
    return pagination.encode_cursor(hazard.created_at, hazard.id)


decode_cursor = pagination.decode_cursor


def _filtered(query: Select[tuple[Hazard]], criteria: HazardFilter, now: datetime) -> Select[tuple[Hazard]]:
    if criteria.states:
        query = query.where(Hazard.state.in_(list(criteria.states)))
    if criteria.grade is not None:
        query = query.where(Hazard.grade == criteria.grade)
    if criteria.area_id is not None:
        query = query.where(Hazard.area_id == criteria.area_id)
    if criteria.responsible_id is not None:
        query = query.where(Hazard.responsible_id == criteria.responsible_id)
    if criteria.reporter_id is not None:
        query = query.where(Hazard.reporter_id == criteria.reporter_id)
    if criteria.source is not None:
        query = query.where(Hazard.source == criteria.source)
    if criteria.reported_from is not None:
        query = query.where(Hazard.created_at >= criteria.reported_from)
    if criteria.reported_to is not None:
        query = query.where(Hazard.created_at < criteria.reported_to)
    if criteria.category_id is not None:
        query = query.where(Hazard.category_id == criteria.category_id)
    if criteria.text:
        query = query.where(or_(Hazard.description.icontains(criteria.text, autoescape=True),
                                Hazard.location.icontains(criteria.text, autoescape=True),
                                Hazard.reporter_name.icontains(criteria.text, autoescape=True)))
    overdue = and_(Hazard.state.in_(list(OPEN_STATES)), Hazard.deadline.is_not(None), Hazard.deadline < now)
    if criteria.overdue is True:
        query = query.where(overdue)
    elif criteria.overdue is False:
        query = query.where(~overdue)
    return query


async def list_page(*, session: AsyncSession, mine_id: uuid.UUID, criteria: HazardFilter, first: int,
                    after: str | None) -> HazardPage:
    """Newest first, paginated by an opaque (created_at, id) cursor."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"first must be between 1 and {MAX_PAGE_SIZE}", field="first")
    query = _filtered(select(Hazard).where(Hazard.mine_id == mine_id), criteria, utcnow())
    if after:
        created, hazard_id = decode_cursor(after)
        # a row-value comparison: both databases seek ix_hazards_mine_created (mine_id, created_at, id) to the
        # cursor, where the equivalent OR of two conditions made them walk the index from the newest entry
        query = query.where(tuple_(Hazard.created_at, Hazard.id) < (created, hazard_id))
    rows = (await session.scalars(query.order_by(Hazard.created_at.desc(), Hazard.id.desc()).limit(first + 1))).all()
    page = rows[:first]
    return HazardPage(hazards=page, has_next_page=len(rows) > first,
                      end_cursor=encode_cursor(page[-1]) if page else None)


async def photos_by_hazard(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, PhotoStage]]
                           ) -> list[list[HazardPhoto]]:
    """Photos for (hazard id, stage) keys, in order, for a DataLoader."""
    hazard_ids = {hazard_id for hazard_id, _ in keys}
    rows = await session.scalars(select(HazardPhoto).where(HazardPhoto.hazard_id.in_(hazard_ids))
                                 .order_by(HazardPhoto.position))
    grouped: dict[tuple[uuid.UUID, PhotoStage], list[HazardPhoto]] = defaultdict(list)
    for photo in rows:
        grouped[(photo.hazard_id, photo.stage)].append(photo)
    return [grouped.get(key, []) for key in keys]


async def find_by_source(*, session: AsyncSession, mine_id: uuid.UUID, source: HazardSource,
                         source_ref: str) -> Hazard | None:
    return await session.scalar(select(Hazard).where(Hazard.mine_id == mine_id, Hazard.source == source,
                                                     Hazard.source_ref == source_ref))


async def categories(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[HazardCategory]:
    """The mine's active hazard categories, in their order."""
    return (await session.scalars(select(HazardCategory).where(HazardCategory.mine_id == mine_id,
                                                               HazardCategory.is_active.is_(True))
                                  .order_by(HazardCategory.position, HazardCategory.code))).all()


async def category(*, session: AsyncSession, category_id: uuid.UUID) -> HazardCategory | None:
    return await session.get(HazardCategory, category_id)


async def categories_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[HazardCategory | None]:
    """Categories by id, in order, for a DataLoader."""
    found = {c.id: c for c in await session.scalars(select(HazardCategory).where(HazardCategory.id.in_(set(ids))))}
    return [found.get(i) for i in ids]


QUEUE_SCAN_LIMIT = 2000


async def open_in_states(*, session: AsyncSession, mine_id: uuid.UUID, states: Sequence[HazardState],
                         area_id: uuid.UUID | None = None) -> Sequence[Hazard]:
    """Open hazards of a mine in some states (bounded: a queue count never scans a mine's whole history)."""
    query = select(Hazard).where(Hazard.mine_id == mine_id, Hazard.state.in_(list(states)))
    if area_id is not None:
        query = query.where(Hazard.area_id == area_id)
    return (await session.scalars(query.order_by(Hazard.created_at.desc()).limit(QUEUE_SCAN_LIMIT))).all()
