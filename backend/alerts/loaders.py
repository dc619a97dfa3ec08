"""DataLoaders for the nested fields of alerts (no N+1 queries)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.graphql.context import Context
from backend.hazards.loaders import areas, users
from backend.hazards.models import Hazard

__all__ = ["areas", "hazards", "mine_managers", "users"]


async def _hazards(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Hazard | None]:
    query = select(Hazard).where(Hazard.id.in_(set(ids))).execution_options(populate_existing=True)
    found = {h.id: h for h in await session.scalars(query)}
    return [found.get(i) for i in ids]


def hazards(ctx: Context) -> DataLoader[uuid.UUID, Hazard | None]:
    return ctx.loader("hazards_by_id", _hazards)


async def _mine_managers(session: AsyncSession, mine_ids: Sequence[uuid.UUID]) -> list[list[User]]:
    """Every active mine manager of each mine (the last step of the escalation chain)."""
    people = await session.scalars(select(User).where(User.mine_id.in_(set(mine_ids)), User.is_active.is_(True))
                                   .order_by(User.display_name))
    managers: dict[uuid.UUID, list[User]] = {}
    for person in people:
        if Role.MINE_MANAGER.value in (person.roles or []):
            managers.setdefault(person.mine_id, []).append(person)
    return [managers.get(mine_id, []) for mine_id in mine_ids]


def mine_managers(ctx: Context) -> DataLoader[uuid.UUID, list[User]]:
    return ctx.loader("alerts_mine_managers", _mine_managers)
