"""Reading positioning: where a person is now, who is in an area, stays, the tag registry, evacuation lists."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.positioning.models import (
    Evacuation,
    EvacuationMember,
    FlaggedSighting,
    PersonPosition,
    Reader,
    SightingBatch,
    Stay,
    TagIssue,
)


async def current_area(*, session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID) -> uuid.UUID | None:
    """The area a person of the mine is in now by positioning (None: not underground, unknown, another mine)."""
    return await session.scalar(select(PersonPosition.area_id).where(
        PersonPosition.user_id == user_id, PersonPosition.mine_id == mine_id))


async def people_in_area(*, session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID) -> list[uuid.UUID]:
    """The people in an area of the mine now, longest there first."""
    rows = await session.scalars(select(PersonPosition.user_id).where(
        PersonPosition.mine_id == mine_id, PersonPosition.area_id == area_id)
        .order_by(PersonPosition.since, PersonPosition.user_id))
    return list(rows)


async def positions(*, session: AsyncSession, mine_id: uuid.UUID, area_ids: Sequence[uuid.UUID] | None = None,
                    underground_only: bool = True) -> Sequence[PersonPosition]:
    """Current positions of the mine's people (of some areas), longest there first."""
    query = select(PersonPosition).where(PersonPosition.mine_id == mine_id)
    if area_ids is not None:
        query = query.where(PersonPosition.area_id.in_(set(area_ids)))
    elif underground_only:
        query = query.where(PersonPosition.area_id.is_not(None))
    return (await session.scalars(query.order_by(PersonPosition.since, PersonPosition.user_id))).all()


async def get_position(*, session: AsyncSession, user_id: uuid.UUID, for_update: bool = False
                       ) -> PersonPosition | None:
    return await session.get(PersonPosition, user_id, with_for_update=for_update)


async def positions_for_update(*, session: AsyncSession, user_ids: Sequence[uuid.UUID]
                               ) -> dict[uuid.UUID, PersonPosition]:
    if not user_ids:
        return {}
    rows = await session.scalars(select(PersonPosition).where(PersonPosition.user_id.in_(set(user_ids)))
                                 .order_by(PersonPosition.user_id).with_for_update())
    return {p.user_id: p for p in rows}


async def position_rows_for_update(*, session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """Plain rows (area_id, last_seen_at, silent_alerted) of the people's positions, locked: the ingest's fast path
    (thousands a batch; no ORM objects)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(PersonPosition.user_id, PersonPosition.area_id, PersonPosition.last_seen_at,
               PersonPosition.silent_alerted)
        .where(PersonPosition.user_id.in_(set(user_ids))).order_by(PersonPosition.user_id).with_for_update())
    return {row.user_id: row for row in rows}


async def counts_by_area(*, session: AsyncSession, mine_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """How many people are in each area now (areas with nobody are absent)."""
    rows = await session.execute(select(PersonPosition.area_id, func.count()).where(
        PersonPosition.mine_id == mine_id, PersonPosition.area_id.is_not(None)).group_by(PersonPosition.area_id))
    return {area_id: count for area_id, count in rows}


async def open_stay(*, session: AsyncSession, user_id: uuid.UUID) -> Stay | None:
    return await session.scalar(select(Stay).where(Stay.user_id == user_id, Stay.left_at.is_(None))
                                .order_by(Stay.entered_at.desc()).limit(1))


async def stays(*, session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID | None = None,
                area_id: uuid.UUID | None = None, since: datetime | None = None, until: datetime | None = None,
                limit: int = 200) -> Sequence[Stay]:
    """Stays (history) of a person or of an area that overlap [since, until], newest first."""
    query = select(Stay).where(Stay.mine_id == mine_id)
    if user_id is not None:
        query = query.where(Stay.user_id == user_id)
    if area_id is not None:
        query = query.where(Stay.area_id == area_id)
    if since is not None:
        query = query.where(or_(Stay.left_at.is_(None), Stay.left_at >= since))
    if until is not None:
        query = query.where(Stay.entered_at <= until)
    return (await session.scalars(query.order_by(Stay.entered_at.desc(), Stay.id).limit(limit))).all()


async def open_issue_by_tag(*, session: AsyncSession, mine_id: uuid.UUID, tag_code: str) -> TagIssue | None:
    return await session.scalar(select(TagIssue).where(TagIssue.mine_id == mine_id, TagIssue.tag_code == tag_code,
                                                       TagIssue.returned_at.is_(None)))


async def open_issue_by_user(*, session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID) -> TagIssue | None:
    return await session.scalar(select(TagIssue).where(TagIssue.mine_id == mine_id, TagIssue.user_id == user_id,
                                                       TagIssue.returned_at.is_(None)))


async def holders_by_tag(*, session: AsyncSession, mine_id: uuid.UUID, tag_codes: Sequence[str]
                         ) -> dict[str, uuid.UUID]:
    """Who holds each tag now (tags issued to nobody are absent)."""
    if not tag_codes:
        return {}
    rows = await session.execute(select(TagIssue.tag_code, TagIssue.user_id).where(
        TagIssue.mine_id == mine_id, TagIssue.tag_code.in_(set(tag_codes)), TagIssue.returned_at.is_(None)))
    return {code: user_id for code, user_id in rows}


async def list_issues(*, session: AsyncSession, mine_id: uuid.UUID, open_only: bool = True) -> Sequence[TagIssue]:
    query = select(TagIssue).where(TagIssue.mine_id == mine_id)
    if open_only:
        query = query.where(TagIssue.returned_at.is_(None))
    return (await session.scalars(query.order_by(TagIssue.tag_code, TagIssue.issued_at))).all()


async def readers_by_code(*, session: AsyncSession, mine_id: uuid.UUID, codes: Sequence[str]) -> dict[str, Reader]:
    if not codes:
        return {}
    rows = await session.scalars(select(Reader).where(Reader.mine_id == mine_id, Reader.code.in_(set(codes)),
                                                      Reader.retired_at.is_(None)))
    return {r.code: r for r in rows}


async def list_readers(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[Reader]:
    return (await session.scalars(select(Reader).where(Reader.mine_id == mine_id, Reader.retired_at.is_(None))
                                  .order_by(Reader.code))).all()


async def find_batch(*, session: AsyncSession, device_id: uuid.UUID, batch_id: str) -> SightingBatch | None:
    return await session.scalar(select(SightingBatch).where(SightingBatch.device_id == device_id,
                                                            SightingBatch.batch_id == batch_id))


async def flagged(*, session: AsyncSession, mine_id: uuid.UUID, limit: int = 100) -> Sequence[FlaggedSighting]:
    return (await session.scalars(select(FlaggedSighting).where(FlaggedSighting.mine_id == mine_id)
                                  .order_by(FlaggedSighting.ts.desc()).limit(limit))).all()


async def evacuation_for_alert(*, session: AsyncSession, alert_id: uuid.UUID) -> Evacuation | None:
    return await session.scalar(select(Evacuation).where(Evacuation.alert_id == alert_id))


async def evacuation_members(*, session: AsyncSession, evacuation_id: uuid.UUID) -> Sequence[EvacuationMember]:
    return (await session.scalars(select(EvacuationMember).where(EvacuationMember.evacuation_id == evacuation_id)
                                  .order_by(EvacuationMember.safe_at.is_not(None), EvacuationMember.user_id))).all()


async def open_memberships(*, session: AsyncSession, mine_id: uuid.UUID, user_ids: Sequence[uuid.UUID]
                           ) -> Sequence[tuple[EvacuationMember, Evacuation]]:
    """The people's places on the mine's open evacuation lists where they have not reached safety yet."""
    if not user_ids:
        return []
    rows = await session.execute(select(EvacuationMember, Evacuation).join(
        Evacuation, Evacuation.id == EvacuationMember.evacuation_id).where(
        Evacuation.mine_id == mine_id, Evacuation.closed_at.is_(None), EvacuationMember.safe_at.is_(None),
        EvacuationMember.user_id.in_(set(user_ids))))
    return [(m, e) for m, e in rows]
