"""Reading and changing the organisation: mines, areas, teams."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.org.models import Area, AreaKind, Mine, Team


async def get_mine(*, session: AsyncSession, mine_id: uuid.UUID) -> Mine | None:
    return await session.get(Mine, mine_id)


async def get_mine_by_code(*, session: AsyncSession, code: str) -> Mine | None:
    return await session.scalar(select(Mine).where(Mine.code == code))


async def get_area(*, session: AsyncSession, area_id: uuid.UUID) -> Area | None:
    return await session.get(Area, area_id)


async def list_areas(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[Area]:
    return (await session.scalars(select(Area).where(Area.mine_id == mine_id).order_by(Area.name))).all()


async def list_teams(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[Team]:
    return (await session.scalars(select(Team).where(Team.mine_id == mine_id).order_by(Team.name))).all()


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
