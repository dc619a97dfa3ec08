"""The four-colour map (四色图): each area coloured by the highest shown level of its risk points.

One grouped query over the stored shown levels (kept current by `backend.risks.dynamic`) plus the mine's
units; a district takes the highest colour of the units below it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.org import rules as org_rules
from backend.org.models import Area, AreaKind
from backend.risks import rules
from backend.risks.models import RiskPoint


@dataclass(frozen=True, slots=True)
class MapArea:
    area: Area
    level: rules.RiskLevel | None
    """The highest shown level (None: no assessed risk point)."""
    point_count: int
    raised_count: int
    """Points whose shown level is above their assessed level right now (live hazards, alarms, vision)."""


async def colours(*, session: AsyncSession, mine_id: uuid.UUID) -> dict[uuid.UUID, tuple[int, int, int]]:
    """(highest shown rank, points, raised points) per area that has live risk points."""
    rows = await session.execute(
        select(RiskPoint.area_id, func.max(RiskPoint.shown_rank), func.count(),
               func.count().filter(RiskPoint.raised.is_(True)))
        .where(RiskPoint.mine_id == mine_id, RiskPoint.retired_at.is_(None)).group_by(RiskPoint.area_id))
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


async def four_colour_map(*, session: AsyncSession, mine_id: uuid.UUID, include_districts: bool = True
                          ) -> list[MapArea]:
    """Every live unit of the mine with its colour; districts take the highest colour below them."""
    areas = (await session.scalars(select(Area).where(Area.mine_id == mine_id, Area.retired_at.is_(None))
                                   .order_by(Area.code, Area.name))).all()
    by_area = await colours(session=session, mine_id=mine_id)
    parents = {a.id: a.parent_id for a in areas}
    rolled: dict[uuid.UUID, list[int]] = {a.id: [-1, 0, 0] for a in areas}
    for area_id, (rank, count, raised) in by_area.items():
        for unit in (area_id, *org_rules.ancestors(parents, area_id)):
            if unit in rolled:
                slot = rolled[unit]
                slot[0], slot[1], slot[2] = max(slot[0], rank if rank is not None else -1), slot[1] + count, \
                    slot[2] + raised
    return [MapArea(area=a, level=rules.level_of_rank(rolled[a.id][0]) if rolled[a.id][0] >= 0 else None,
                    point_count=rolled[a.id][1], raised_count=rolled[a.id][2])
            for a in areas if include_districts or a.kind is not AreaKind.DISTRICT]
