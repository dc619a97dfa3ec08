"""DataLoaders for the nested fields of hazards (no N+1 queries)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.accounts import service as accounts_service
from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.graphql.context import Context
from backend.hazards import service
from backend.hazards.models import HazardCategory, HazardPhoto, PhotoStage
from backend.org import service as org_service


async def _users(session: AsyncSession, ids: Sequence[uuid.UUID]) -> Sequence[User | None]:
    return await accounts_service.get_many(session=session, user_ids=ids)


async def _mine_managers(session: AsyncSession, mine_ids: Sequence[uuid.UUID]) -> list[User | None]:
    found: list[User | None] = []
    for mine_id in mine_ids:
        managers = await accounts_service.list_users(session=session, mine_id=mine_id, role=Role.MINE_MANAGER)
        found.append(managers[0] if managers else None)
    return found


def users(ctx: Context) -> DataLoader[uuid.UUID, User | None]:
    return ctx.loader("users", _users)


def areas(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("areas", org_service.areas_by_ids)


def teams(ctx: Context) -> DataLoader:  # type: ignore[type-arg]
    return ctx.loader("teams", org_service.teams_by_ids)


def mine_managers(ctx: Context) -> DataLoader[uuid.UUID, User | None]:
    return ctx.loader("mine_managers", _mine_managers)


def photos(ctx: Context) -> DataLoader[tuple[uuid.UUID, PhotoStage], list[HazardPhoto]]:
    return ctx.loader("hazard_photos", service.photos_by_hazard)


def categories(ctx: Context) -> DataLoader[uuid.UUID, HazardCategory | None]:
    return ctx.loader("hazard_categories", service.categories_by_ids)
