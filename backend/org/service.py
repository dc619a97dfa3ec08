"""Reading and creating the organisation: mines, units (districts and areas), teams, posts, people."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.org.models import Area, AreaKind, Mine, PersonRecord, Post, PostHolding, Team


async def get_mine(*, session: AsyncSession, mine_id: uuid.UUID) -> Mine | None:
    return await session.get(Mine, mine_id)


async def get_mine_by_code(*, session: AsyncSession, code: str) -> Mine | None:
    return await session.scalar(select(Mine).where(Mine.code == code))


async def get_area(*, session: AsyncSession, area_id: uuid.UUID) -> Area | None:
    return await session.get(Area, area_id)


async def list_areas(*, session: AsyncSession, mine_id: uuid.UUID, include_retired: bool = False) -> Sequence[Area]:
    query = select(Area).where(Area.mine_id == mine_id).order_by(Area.name)
    if not include_retired:
        query = query.where(Area.retired_at.is_(None))
    return (await session.scalars(query)).all()


async def list_teams(*, session: AsyncSession, mine_id: uuid.UUID, include_retired: bool = False) -> Sequence[Team]:
    query = select(Team).where(Team.mine_id == mine_id).order_by(Team.name)
    if not include_retired:
        query = query.where(Team.retired_at.is_(None))
    return (await session.scalars(query)).all()


async def areas_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Area | None]:
    """Areas in the order of the ids, for DataLoaders."""
    rows = await session.scalars(select(Area).where(Area.id.in_(set(ids))))
    by_id = {a.id: a for a in rows}
    return [by_id.get(i) for i in ids]


async def teams_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Team | None]:
    rows = await session.scalars(select(Team).where(Team.id.in_(set(ids))))
    by_id = {t.id: t for t in rows}
    return [by_id.get(i) for i in ids]


async def create_mine(*, session: AsyncSession, code: str, name: str) -> Mine:
    mine = Mine(code=code, name=name)
    session.add(mine)
    await session.flush()
    return mine


async def create_area(*, session: AsyncSession, mine_id: uuid.UUID, name: str, kind: AreaKind,
                      manager_id: uuid.UUID | None = None) -> Area:
    area = Area(mine_id=mine_id, name=name, kind=kind, manager_id=manager_id)
    session.add(area)
    await session.flush()
    return area


async def create_team(*, session: AsyncSession, mine_id: uuid.UUID, name: str, area_id: uuid.UUID | None,
                      leader_id: uuid.UUID | None = None) -> Team:
    team = Team(mine_id=mine_id, name=name, area_id=area_id, leader_id=leader_id)
    session.add(team)
    await session.flush()
    return team


async def unit_parents(*, session: AsyncSession, mine_id: uuid.UUID) -> dict[uuid.UUID, uuid.UUID | None]:
    """Every unit of the mine and its parent (the whole tree in one query: mines have hundreds, not millions)."""
    rows = await session.execute(select(Area.id, Area.parent_id).where(Area.mine_id == mine_id))
    return {row.id: row.parent_id for row in rows}


async def list_posts(*, session: AsyncSession, mine_id: uuid.UUID, include_retired: bool = False) -> Sequence[Post]:
    query = select(Post).where(Post.mine_id == mine_id).order_by(Post.code)
    if not include_retired:
        query = query.where(Post.retired_at.is_(None))
    return (await session.scalars(query)).all()


async def get_post(*, session: AsyncSession, post_id: uuid.UUID) -> Post | None:
    return await session.get(Post, post_id)


async def get_person(*, session: AsyncSession, user_id: uuid.UUID) -> PersonRecord | None:
    return await session.get(PersonRecord, user_id)


async def holders_at(*, session: AsyncSession, post_ids: Sequence[uuid.UUID], at: datetime
                     ) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Who held each post at a moment, by post."""
    rows = await session.execute(
        select(PostHolding.post_id, PostHolding.user_id)
        .where(PostHolding.post_id.in_(set(post_ids)), PostHolding.started_at <= at,
               or_(PostHolding.ended_at.is_(None), PostHolding.ended_at > at))
        .order_by(PostHolding.started_at)
    )
    held: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in rows:
        held.setdefault(row.post_id, []).append(row.user_id)
    return held
