"""Question-bank queries (never commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.training.bank.models import Question


async def questions(*, session: AsyncSession, mine_id: uuid.UUID, tag: str | None = None,
                    active_only: bool = True) -> list[Question]:
    query = select(Question).where(Question.mine_id == mine_id)
    if active_only:
        query = query.where(Question.is_active)
    rows = (await session.scalars(query.order_by(Question.created_at, Question.id))).all()
    return [q for q in rows if tag is None or tag in q.tags]


async def questions_by_ids(*, session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Question]:
    """The questions in the order of ids."""
    found = {q.id: q for q in await session.scalars(select(Question).where(Question.id.in_(list(ids))))}
    return [found[i] for i in ids if i in found]


async def questions_batch(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Question | None]:
    """Questions by id (a DataLoader batch)."""
    found = {q.id: q for q in await session.scalars(select(Question).where(Question.id.in_(set(ids))))}
    return [found.get(i) for i in ids]
