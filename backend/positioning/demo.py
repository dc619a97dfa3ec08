"""The demo mine's positioning (a DEMO_EXTENSIONS hook of backend/seed.py, after the org's): a surface lamp room
and a refuge chamber, the simulator's readers (contracts/demo.py) on their areas, a tag for each demo person, a
person limit (定员) on the longwall face, the substation restricted (限制区域), all through the flows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import principal_for
from backend.org import flows as org_flows
from backend.org.models import Area, AreaKind
from backend.platform import Platform
from backend.positioning import flows
from contracts.demo import DEMO_READERS, DEMO_TAGS

NEW_AREAS = [("LAMP-ROOM", "灯房 Lamp room (surface)", AreaKind.SURFACE, None, (440.0, 60.0)),
             ("REFUGE-1", "永久避难硐室 Refuge chamber", AreaKind.CHAMBER, "D1", (140.0, 200.0))]
LIMITS = {"15201-F": 4, "15203-H": 6, "15201-R": 4, "MAIN-HAUL": 20, "SUBSTATION": 2}


async def seed_positioning(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    admin = principal_for(demo["users"]["admin"])
    mine_id = demo["mine"].id
    by_code = {a.code: a for a in await session.scalars(select(Area).where(Area.mine_id == mine_id))}
    for code, name, kind, parent, (x, y) in NEW_AREAS:
        by_code[code] = await org_flows.create_unit(session, actor=admin, code=code, name=name, kind=kind,
                                                    parent_id=by_code[parent].id if parent else None, map_x=x, map_y=y)
    await flows.change_settings(session, actor=admin, changes={"metres_per_map_unit": 1.0, "shift_hours": 8.0})
    for code, limit in LIMITS.items():
        await flows.set_area_positioning(session, actor=admin, area_id=by_code[code].id, person_limit=limit,
                                         restricted=code == "SUBSTATION", safe=False)
    await flows.set_area_positioning(session, actor=admin, area_id=by_code["REFUGE-1"].id, person_limit=100,
                                     restricted=False, safe=True)
    for reader, area_code in DEMO_READERS:
        await flows.save_reader(session, actor=admin, code=reader, area_id=by_code[area_code].id)
    for tag, username, _ in DEMO_TAGS:
        await flows.issue_tag(session, actor=admin, tag_code=tag, user_id=demo["users"][username].id)
