"""Demo permits for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py), made through the real flows:
hot work ACTIVE, electrical isolation SUSPENDED, blasting APPLIED (one approval in), roof work CLOSED with a
photo, work at height waiting for its approvals."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Role
from backend.accounts.service import principal_for
from backend.database.base import utcnow
from backend.errors import DomainError
from backend.hazards.flows import PhotoStorage
from backend.permits import flows
from backend.permits.rules import GasTestStage, PermitGrade
from backend.platform import Platform
from backend.positioning.models import PersonPosition
from backend.sensors.models import PowerZone

logger = logging.getLogger(__name__)
DEMO_NAMESPACE = uuid.UUID("0b6a3f1e-64d4-4c1e-9a0e-5b8f1d2c7e33")


async def _place(session: AsyncSession, demo: dict[str, Any], who: str, area: int) -> None:
    """Where positioning would see the person (only when it has not seen them yet)."""
    user = demo["users"][who]
    if await session.get(PersonPosition, user.id) is None:
        now = utcnow()
        session.add(PersonPosition(user_id=user.id, mine_id=demo["mine"].id, area_id=demo["areas"][area].id,
                                   since=now, last_seen_at=now, underground_since=now, tag_code=f"DEMO-{who}",
                                   reader_code="DEMO"))
        await session.flush()


async def seed_permits(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    from backend.seed import upload_demo_photo

    users, areas, mine_id = demo["users"], demo["areas"], demo["mine"].id
    p = {name: principal_for(user) for name, user in users.items()}
    kinds = {k.code: k for k in await flows.ensure_kinds(session, mine_id=mine_id)}
    for area in areas:  # the demo's one area manager (区队长) answers for the areas nobody manages yet
        area.manager_id = area.manager_id or users["quduizhang"].id
    await session.flush()
    now = utcnow()

    async def apply(key: str, kind: str, grade: PermitGrade, area: int, leader: str, guardian: str,
                    crew: list[str], text: str, *, starts_in_h: float = -0.1, hours: float = 6, **extra: Any) -> Any:
        starts = now + timedelta(hours=starts_in_h)
        return await flows.apply(
            session, actor=p[leader], client_id=uuid.uuid5(DEMO_NAMESPACE, key), kind_id=kinds[kind].id, grade=grade,
            area_id=areas[area].id, starts_at=starts, ends_at=starts + timedelta(hours=hours), description=text,
            work_leader_id=users[leader].id, guardian_id=users[guardian].id, crew_ids=[users[c].id for c in crew],
            **extra)

    async def approve(permit: Any, *, only: int | None = None) -> None:
        signers = {"area_manager": "quduizhang", "safety_officer": "anjianyuan", "mine_manager": "kuangzhang"}
        for role in permit.required_roles[:only]:
            await flows.approve(session, actor=p[signers[role]], permit_id=permit.id, role=Role(role), note=None)

    async def run(permit: Any, guardian: str, area: int, crew: list[str]) -> None:
        await flows.record_hand_gas_test(session, actor=p["anjianyuan2"], permit_id=permit.id,
                                        stage=GasTestStage.START, ch4=0.12, measured_at=now)
        for who in (guardian, *crew):
            await _place(session, demo, who, area)
        try:
            await flows.start(session, actor=p[guardian], permit_id=permit.id)
        except DomainError as error:  # e.g. positioning's own demo put someone else there: leave it APPROVED
            logger.warning("demo permit %s not started: %s", permit.id, error)

    hot = await apply("hot", "HOT_WORK", PermitGrade.FIRST, 4, "banzuzhang", "shifu", ["kuanggong1", "tudi"],
                      "变电所电缆支架焊接 Welding a cable bracket in the central substation",
                      measures_confirmed=["NONCOMBUSTIBLE_10M", "WATER_SPRAY", "EXTINGUISHERS", "NO_GAS_20M"])
    await approve(hot)
    await run(hot, "shifu", 4, ["banzuzhang", "kuanggong1", "tudi"])

    zone = (await session.scalars(select(PowerZone).where(PowerZone.mine_id == mine_id,
                                                          PowerZone.name == "hf1"))).first()
    isolation = await apply("isolation", "ELECTRICAL_ISOLATION", PermitGrade.FIRST, 1, "kuanggong1", "anjianyuan2",
                            ["tudi"], "停电检修掘进机 Roadheader isolated for maintenance",
                            power_zone_id=zone.id if zone else None,
                            measures_confirmed=["LOCK_OUT", "TAG_OUT", "TEST_DEAD"])
    await approve(isolation)
    await run(isolation, "anjianyuan2", 1, ["kuanggong1", "tudi"])
    if isolation.state.value == "ACTIVE":
        await flows.suspend(session, actor=p["quduizhang"], permit_id=isolation.id,
                            reason="通风检查 Ventilation check before restoring work")

    blast = await apply("blast", "BLASTING", PermitGrade.FIRST, 1, "banzuzhang", "shifu", ["kuanggong2"],
                        "掘进工作面放炮 Blasting the heading face round", starts_in_h=10, hours=4,
                        blast_roles={"blaster": users["kuanggong2"].id, "team_leader": users["banzuzhang"].id,
                                     "gas_inspector": users["anjianyuan2"].id})
    await approve(blast, only=1)

    roof = await apply("roof", "ROOF_SUPPORT", PermitGrade.SECOND, 3, "banzuzhang", "kuanggong2", ["kuanggong1"],
                       "大巷补打锚索 Extra cable bolts in the main roadway", starts_in_h=-0.2, hours=8)
    await approve(roof)
    await run(roof, "kuanggong2", 3, [])
    try:
        key = await upload_demo_photo(session, platform, p["banzuzhang"], "roof bolts done", 140)
        storage = PhotoStorage(store=platform.store, settings=platform.settings)
        _, originals = await flows.close(session, storage=storage, actor=p["banzuzhang"], permit_id=roof.id,
                                         note="锚索预紧到位 bolts tensioned", photo_keys=[key])
        demo.setdefault("originals", []).extend(originals)
    except DomainError as error:
        logger.warning("demo roof permit not closed: %s", error)

    await apply("height", "WORK_AT_HEIGHT", PermitGrade.SECOND, 3, "banzuzhang", "shifu", ["kuanggong2"],
                "大巷顶部吊挂电缆 Hanging cables at the roadway roof", starts_in_h=1, hours=4)
    await session.flush()
