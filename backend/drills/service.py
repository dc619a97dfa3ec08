"""Reads of the drills domain (never commits)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.alerts.models import Alert
from backend.drills.models import Drill, DrillEvent, DrillParticipant, DrillState, MineNetwork
from backend.errors import NotFound
from backend.org.models import Area


async def network_of(*, session: AsyncSession, mine_id: uuid.UUID) -> MineNetwork | None:
    return await session.scalar(select(MineNetwork).where(MineNetwork.mine_id == mine_id))


async def area_ids_by_code(*, session: AsyncSession, mine_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """The mine's active areas by code (the mine model names areas by their code)."""
    rows = await session.execute(select(Area.code, Area.id).where(Area.mine_id == mine_id, Area.code.is_not(None),
                                                                  Area.retired_at.is_(None)))
    return {code: area_id for code, area_id in rows.all()}


async def get_in_mine_or_raise(*, session: AsyncSession, drill_id: uuid.UUID, mine_id: uuid.UUID,
                               for_update: bool = False) -> Drill:
    query = select(Drill).where(Drill.id == drill_id)
    if for_update:
        query = query.with_for_update()
    drill = await session.scalar(query)
    if drill is None or drill.mine_id != mine_id:
        raise NotFound("no such drill in this mine")
    return drill


async def running_by_code(*, session: AsyncSession, mine_id: uuid.UUID, code: str) -> Drill | None:
    return await session.scalar(select(Drill).where(Drill.mine_id == mine_id, Drill.code == code,
                                                    Drill.state == DrillState.RUNNING))


async def list_for_mine(*, session: AsyncSession, mine_id: uuid.UUID, first: int) -> list[Drill]:
    return list(await session.scalars(select(Drill).where(Drill.mine_id == mine_id)
                                      .order_by(Drill.created_at.desc(), Drill.id).limit(first)))


async def events_of(*, session: AsyncSession, drill_id: uuid.UUID) -> list[DrillEvent]:
    return list(await session.scalars(select(DrillEvent).where(DrillEvent.drill_id == drill_id)
                                      .order_by(DrillEvent.at, DrillEvent.id)))


async def alerts_of(*, session: AsyncSession, drill_id: uuid.UUID) -> list[Alert]:
    return list(await session.scalars(select(Alert).where(Alert.drill_id == drill_id)
                                      .order_by(Alert.first_raised_at, Alert.id)))


async def participants_of(*, session: AsyncSession, drill_id: uuid.UUID) -> list[DrillParticipant]:
    return list(await session.scalars(select(DrillParticipant).where(DrillParticipant.drill_id == drill_id)))


async def participation(*, session: AsyncSession, user_id: uuid.UUID,
                        first: int) -> list[tuple[DrillParticipant, Drill]]:
    rows = await session.execute(select(DrillParticipant, Drill).join(Drill, Drill.id == DrillParticipant.drill_id)
                                 .where(DrillParticipant.user_id == user_id)
                                 .order_by(Drill.created_at.desc()).limit(first))
    return [(p, d) for p, d in rows.all()]


async def users_by_id(*, session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, User]:
    if not ids:
        return {}
    return {u.id: u for u in await session.scalars(select(User).where(User.id.in_(ids)))}
