"""DataLoaders over responsibility chains (no N+1 queries on hazard pages)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.responsibility import service


async def _chains_now(session: AsyncSession, keys: Sequence[service.ChainKey]) -> list[list[list[service.Responsible]]]:
    return await service.chains_for(session=session, keys=keys, at=utcnow())


def chains_now(ctx: Context) -> DataLoader[service.ChainKey, list[list[service.Responsible]]]:
    """The chain of responsibility the lists in force now give, by (mine, area, grade, level)."""
    return ctx.loader("responsibility_chains_now", _chains_now)
