"""Mentor-link queries (never commits)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.training.mentoring.models import Apprenticeship


async def active_apprenticeship(*, session: AsyncSession, apprentice_id: uuid.UUID) -> Apprenticeship | None:
    return await session.scalar(select(Apprenticeship).where(Apprenticeship.apprentice_id == apprentice_id,
                                                             Apprenticeship.ended_at.is_(None)))


async def is_mentor_of(*, session: AsyncSession, mentor_id: uuid.UUID, apprentice_id: uuid.UUID) -> bool:
    """True while an unended link names this mentor for this apprentice."""
    link = await active_apprenticeship(session=session, apprentice_id=apprentice_id)
    return link is not None and link.mentor_id == mentor_id


async def apprenticeships_of(*, session: AsyncSession, mentor_id: uuid.UUID) -> Sequence[Apprenticeship]:
    return (await session.scalars(select(Apprenticeship).where(Apprenticeship.mentor_id == mentor_id,
                                                               Apprenticeship.ended_at.is_(None))
                                  .order_by(Apprenticeship.started_at))).all()
