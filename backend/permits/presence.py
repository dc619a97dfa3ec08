"""Where people are, by positioning (backend.positioning, issue 14 items 1-3): one small seam for the permits."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.positioning import service as positioning


async def current_area(*, session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID | None:
    """The area a person is in now (None: not underground or not seen)."""
    return await positioning.current_area(session=session, mine_id=mine_id, user_id=user_id)


async def people_in_area(*, session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID) -> list[uuid.UUID]:
    return await positioning.people_in_area(session=session, mine_id=mine_id, area_id=area_id)
