"""Queries over the caller's own mine."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graphql.context import Context
from backend.org import service
from backend.org.types import AreaType, MineType, TeamType


@strawberry.type
class Query:
    @strawberry.field(description="The caller's mine.")
    async def mine(self, info: Info[Context, None]) -> MineType:
        ctx = info.context
        mine = await service.get_mine(session=ctx.session, mine_id=ctx.authenticated().mine_id)
        assert mine is not None
        return MineType.from_model(mine)

    @strawberry.field(description="Areas of the caller's mine: working faces, roadways, chambers.")
    async def areas(self, info: Info[Context, None]) -> list[AreaType]:
        ctx = info.context
        return [AreaType.from_model(a) for a in await service.list_areas(
            session=ctx.session, mine_id=ctx.authenticated().mine_id)]

    @strawberry.field(description="Teams of the caller's mine.")
    async def teams(self, info: Info[Context, None]) -> list[TeamType]:
        ctx = info.context
        return [TeamType.from_model(t) for t in await service.list_teams(
            session=ctx.session, mine_id=ctx.authenticated().mine_id)]
