"""Reading inspection checks and their items."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.database import tenancy
from backend.inspections.models import CheckState, InspectionCheck, InspectionItem


async def get_in_mine_or_raise(*, session: AsyncSession, check_id: uuid.UUID, mine_id: uuid.UUID,
                               for_update: bool = False) -> InspectionCheck:
    return await tenancy.get_in_mine_or_raise(session, InspectionCheck, check_id, mine_id,
                                              missing="no such inspection check in your mine", for_update=for_update)


async def items_of(*, session: AsyncSession, check_id: uuid.UUID) -> Sequence[InspectionItem]:
    return (await session.scalars(select(InspectionItem).where(InspectionItem.check_id == check_id)
                                  .order_by(InspectionItem.position))).all()


async def items_by_check(session: AsyncSession, check_ids: Sequence[uuid.UUID]) -> list[list[InspectionItem]]:
    rows = await session.scalars(select(InspectionItem).where(InspectionItem.check_id.in_(set(check_ids)))
                                 .order_by(InspectionItem.position))
    grouped: dict[uuid.UUID, list[InspectionItem]] = {}
    for row in rows:
        grouped.setdefault(row.check_id, []).append(row)
    return [grouped.get(i, []) for i in check_ids]


async def list_checks(*, session: AsyncSession, mine_id: uuid.UUID, assignee_id: uuid.UUID | None = None,
                      area_id: uuid.UUID | None = None, states: Sequence[CheckState] | None = None,
                      limit: int = 200) -> Sequence[InspectionCheck]:
    query = select(InspectionCheck).where(InspectionCheck.mine_id == mine_id)
    if assignee_id is not None:
        query = query.where(InspectionCheck.assignee_id == assignee_id)
    if area_id is not None:
        query = query.where(InspectionCheck.area_id == area_id)
    if states:
        query = query.where(InspectionCheck.state.in_(list(states)))
    return (await session.scalars(query.order_by(InspectionCheck.due_at, InspectionCheck.id).limit(limit))).all()


async def overdue(*, session: AsyncSession, now: datetime) -> Sequence[InspectionCheck]:
    return (await session.scalars(select(InspectionCheck).where(
        InspectionCheck.state == CheckState.SCHEDULED, InspectionCheck.due_at < now)
        .order_by(InspectionCheck.mine_id, InspectionCheck.due_at))).all()


async def open_measure_ids(*, session: AsyncSession, measure_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Measures already on a scheduled (not yet done) check."""
    if not measure_ids:
        return set()
    rows = await session.scalars(select(InspectionItem.measure_id).join(
        InspectionCheck, InspectionCheck.id == InspectionItem.check_id).where(
        InspectionItem.measure_id.in_(set(measure_ids)), InspectionCheck.state == CheckState.SCHEDULED))
    return set(rows.all())
