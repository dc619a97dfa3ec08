"""DataLoaders for the nested fields of alerts (no N+1 queries)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.graphql.context import Context
from backend.hazards.loaders import areas, users
from backend.hazards.models import Hazard

__all__ = ["areas", "hazards", "users"]


async def _hazards(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Hazard | None]:
    query = select(Hazard).where(Hazard.id.in_(set(ids))).execution_options(populate_existing=True)
    found = {h.id: h for h in await session.scalars(query)}
    return [found.get(i) for i in ids]


def hazards(ctx: Context) -> DataLoader[uuid.UUID, Hazard | None]:
    return ctx.loader("hazards_by_id", _hazards)
