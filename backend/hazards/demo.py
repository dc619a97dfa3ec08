"""Hazard categories with quick phrases for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.hazards.models import Hazard, HazardCategory
from backend.platform import Platform
from contracts.hazards import HazardGrade

# code, (zh, en), suggested grade, quick phrases (zh, en)
CATEGORIES: list[tuple[str, tuple[str, str], HazardGrade | None, list[tuple[str, str]]]] = [
    ("roof", ("顶板", "Roof and support"), None, [
        ("顶板掉渣", "Loose coal falling from the roof"), ("支架前梁断裂", "Broken canopy tip"),
        ("锚杆托盘松动", "Loose rock-bolt plates"), ("顶板离层", "Roof separation"),
    ]),
    ("gas", ("瓦斯通风", "Gas and ventilation"), HazardGrade.MAJOR, [
        ("瓦斯积聚", "Methane build-up"), ("风门关闭不严", "Air door does not close"),
        ("局部通风机停运", "Auxiliary fan stopped"), ("风筒破损", "Torn ventilation duct"),
    ]),
    ("electrical", ("机电", "Electrical and machinery"), None, [
        ("电缆护套破损", "Cable sheath damaged"), ("失爆", "Explosion-proof enclosure open"),
        ("托辊卡死发热", "Seized hot idler"), ("保护装置失效", "Protection device not working"),
    ]),
    ("transport", ("运输", "Transport"), None, [
        ("跑车防护不全", "Runaway-car guard missing"), ("皮带跑偏", "Belt running off"),
        ("信号不响", "Signal not working"),
    ]),
    ("water", ("防治水", "Water"), None, [
        ("巷道积水", "Water on the roadway floor"), ("顶板淋水增大", "More water dripping from the roof"),
        ("水泵故障", "Pump not working"),
    ]),
    ("fire", ("防灭火", "Fire"), None, [
        ("灭火器过期", "Extinguisher out of date"), ("有烟味", "Smell of smoke"), ("CO 超限", "CO over the limit"),
    ]),
    ("behaviour", ("违章作业", "Unsafe behaviour"), None, [
        ("未戴自救器", "No self-rescuer carried"), ("空顶作业", "Working under unsupported roof"),
        ("进入警戒区", "Entered a cordoned area"),
    ]),
]

# which demo hazards (by the start of their description) belong to which category
DEMO_HAZARDS = {"支架前梁断裂": "roof", "掘进机电缆": "electrical", "回风巷风门": "gas", "皮带机托辊": "electrical",
                "变电所灭火器": "fire", "巷道积水": "water", "工作面上隅角瓦斯": "gas", "锚杆托盘": "roof"}


def categories_for(mine_id: Any) -> list[HazardCategory]:
    """The default category list, new for one mine."""
    return [HazardCategory(mine_id=mine_id, code=code, position=position, names={"zh": zh, "en": en},
                           phrases=[{"zh": pzh, "en": pen} for pzh, pen in phrases], suggested_grade=grade,
                           is_active=True)
            for position, (code, (zh, en), grade, phrases) in enumerate(CATEGORIES)]


async def seed_categories(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    """The demo mine's categories; the demo hazards get theirs."""
    mine_id = demo["mine"].id
    made = {c.code: c for c in categories_for(mine_id)}
    session.add_all(made.values())
    await session.flush()
    for hazard in await session.scalars(select(Hazard).where(Hazard.mine_id == mine_id)):
        code = next((c for start, c in DEMO_HAZARDS.items() if hazard.description.startswith(start)), None)
        if code is not None:
            hazard.category_id = made[code].id
    await session.flush()
