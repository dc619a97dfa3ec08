"""The demo mine: people of every role, areas, teams, devices and hazards in every state."""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import logging
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import flows as accounts_flows
from backend.accounts.models import DeviceKind, User
from backend.accounts.roles import Principal, Role
from backend.accounts.service import principal_for
from backend.config import Settings
from backend.database.base import utcnow
from backend.hazards import flows as hazard_flows
from backend.org import service as org_service
from backend.org.models import AreaKind
from backend.platform import Platform
from backend.storage import service as storage_service
from backend.storage.models import UploadKind
from contracts.hazards import HazardGrade, HazardLevel

logger = logging.getLogger(__name__)
DEMO_MINE_CODE = "DEMO"
DEMO_PASSWORD = "minesafe-demo"
DEVICES_FILE = Path("var/demo-devices.json")
# Other domains add "module:function" here; each gets (session, platform, demo) and may add demo data.
DEMO_EXTENSIONS: list[str] = ["backend.training.mentoring.demo:seed_training", "backend.sensors.demo:seed_sensors",
                              "backend.alerts.demo:seed_alerts", "backend.vision.demo:seed_vision",
                              "backend.org.demo:seed_org", "backend.hazards.demo:seed_categories",
                              "backend.positioning.demo:seed_positioning", "backend.kpi.demo:seed_kpi",
                              "backend.risks.demo:seed_risks", "backend.permits.demo:seed_permits",
                              "backend.drills.demo:seed_drills"]

AREAS = [
    ("15201 综采工作面 Longwall face", AreaKind.WORKING_FACE),
    ("15203 掘进工作面 Heading face", AreaKind.HEADING_FACE),
    ("15201 回风巷 Return airway", AreaKind.ROADWAY),
    ("主运输大巷 Main haulage roadway", AreaKind.ROADWAY),
    ("中央变电所 Central substation", AreaKind.CHAMBER),
]
PEOPLE: list[tuple[str, str, list[Role], int | None, str | None]] = [
    # username, display name, roles, area index, team name
    ("admin", "系统管理员 Admin", [Role.ADMIN], None, None),
    ("kuangzhang", "王矿长 Wang (mine manager)", [Role.MINE_MANAGER], None, None),
    ("anquan", "李安全副矿长 Li (deputy, safety)", [Role.MINE_MANAGER], None, None),
    ("quduizhang", "赵区队长 Zhao (area manager)", [Role.AREA_MANAGER], 0, None),
    ("anjianyuan", "孙安检员 Sun (safety officer)", [Role.SAFETY_OFFICER], None, None),
    ("anjianyuan2", "周安检员 Zhou (safety officer)", [Role.SAFETY_OFFICER], None, None),
    ("banzuzhang", "吴班组长 Wu (team leader)", [Role.TEAM_LEADER, Role.MINER], 0, "综采一队 Longwall team 1"),
    ("shifu", "郑师傅 Zheng (mentor)", [Role.MENTOR, Role.MINER], 0, "综采一队 Longwall team 1"),
    ("kuanggong1", "陈矿工 Chen (miner)", [Role.MINER], 0, "综采一队 Longwall team 1"),
    ("kuanggong2", "刘矿工 Liu (miner)", [Role.MINER], 1, "掘进二队 Heading team 2"),
    ("tudi", "何徒弟 He (apprentice)", [Role.MINER], 0, "综采一队 Longwall team 1"),
]
TEAMS = [("综采一队 Longwall team 1", 0), ("掘进二队 Heading team 2", 1)]
DEVICES = [
    ("sensor-bridge", "KJ 监控分站桥 Sensor bridge", DeviceKind.SENSOR_BRIDGE, None),
    ("vision-worker", "视觉分析 Vision worker", DeviceKind.VISION_WORKER, None),
    ("robot-1", "巡检机器人1号 Inspection robot 1", DeviceKind.ROBOT, 3),
    ("camera-1", "15201 工作面摄像头 Face camera", DeviceKind.CAMERA, 0),
]


def demo_photo(label: str, hue: int) -> bytes:
    """A 1600×1200 JPEG that looks like something was photographed (gradient, shapes, a label)."""
    image = Image.new("RGB", (1600, 1200))
    draw = ImageDraw.Draw(image)
    for y in range(0, 1200, 8):
        shade = 40 + y * 120 // 1200
        draw.rectangle((0, y, 1600, y + 8), fill=((shade + hue) % 256, shade, (shade * 2 + hue) % 256))
    draw.polygon([(200, 1000), (800, 300), (1400, 1000)], outline=(250, 200, 40), width=18)
    draw.text((80, 80), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def upload_demo_photo(session: AsyncSession, platform: Platform, actor: Principal, label: str, hue: int) -> str:
    data = demo_photo(label, hue)
    ticket = await storage_service.request_upload(session=session, store=platform.store, settings=platform.settings,
                                                  actor=actor, kind=UploadKind.PHOTO, content_type="image/jpeg",
                                                  size=len(data))
    await platform.store.put(ticket.slot.key, data, content_type="image/jpeg")
    return ticket.slot.key


async def seed_demo_mine(settings: Settings) -> None:
    platform = Platform.from_settings(settings)
    try:
        ensure = getattr(platform.store, "ensure_bucket", None)
        if ensure is not None:
            await ensure()
        async with platform.session_factory() as session:
            if await org_service.get_mine_by_code(session=session, code=DEMO_MINE_CODE) is None:
                demo = await _create(session, platform)
                await session.commit()
                for hazard_id in demo.pop("originals", []):
                    await platform.store.delete(hazard_id)
            else:
                logger.info("the demo mine exists already")
        _print_logins()
    finally:
        await platform.close()


async def _create(session: AsyncSession, platform: Platform) -> dict[str, Any]:
    mine = await org_service.create_mine(session=session, code=DEMO_MINE_CODE, name="示范煤矿 Demo Colliery")
    areas = [await org_service.create_area(session=session, mine_id=mine.id, name=n, kind=k) for n, k in AREAS]
    teams = {name: await org_service.create_team(session=session, mine_id=mine.id, name=name,
                                                 area_id=areas[area].id) for name, area in TEAMS}
    users: dict[str, User] = {}
    for username, display, roles, area_index, team_name in PEOPLE:
        users[username] = await accounts_flows.add_user(
            session, actor=None, mine_id=mine.id, username=username, display_name=display, password=DEMO_PASSWORD,
            roles=roles, area_id=areas[area_index].id if area_index is not None else None,
            team_id=teams[team_name].id if team_name else None)
    areas[0].manager_id = users["quduizhang"].id
    teams["综采一队 Longwall team 1"].leader_id = users["banzuzhang"].id
    tokens = {}
    for key, name, kind, area_index in DEVICES:
        _, token = await accounts_flows.add_device(session, actor=None, mine_id=mine.id, name=name, kind=kind,
                                                   area_id=areas[area_index].id if area_index is not None else None)
        tokens[key] = token
    await asyncio.to_thread(_write_devices_file, {"mine_id": str(mine.id), "tokens": tokens})
    await session.flush()
    demo: dict[str, Any] = {"mine": mine, "areas": areas, "teams": teams, "users": users, "device_tokens": tokens}
    demo["originals"] = await _demo_hazards(session, platform, demo)
    for extension in DEMO_EXTENSIONS:
        module, _, function = extension.partition(":")
        await getattr(importlib.import_module(module), function)(session, platform, demo)
    return demo


async def _demo_hazards(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> list[str]:
    """Hazards in every state of the loop, made through the real flows."""
    p = {name: principal_for(user) for name, user in demo["users"].items()}
    areas = demo["areas"]
    storage = hazard_flows.PhotoStorage(store=platform.store, settings=platform.settings)
    originals: list[str] = []
    stories = [
        ("kuanggong1", 0, "支架前梁断裂，顶板有掉渣 Broken canopy tip on support 42, loose coal falling", "ASSIGNED"),
        ("kuanggong2", 1, "掘进机电缆护套破损 Roadheader trailing cable sheath damaged", "RECTIFYING"),
        ("kuanggong1", 2, "回风巷风门关闭不严 Air door in the return airway does not close", "PENDING_REVIEW"),
        ("banzuzhang", 3, "皮带机托辊卡死发热 Seized hot idler on the main belt", "CLOSED"),
        ("kuanggong2", 4, "变电所灭火器过期 Extinguisher in the substation out of date", "REPORTED"),
        ("tudi", 3, "巷道积水 Water on the roadway floor (drains normally)", "DISMISSED"),
        ("kuanggong1", 0, "工作面上隅角瓦斯积聚 Methane build-up at the upper corner", "MAJOR"),
        ("kuanggong2", 1, "锚杆托盘松动 Loose rock-bolt plates near the heading face", "OVERDUE"),
    ]
    for index, (reporter, area_index, text, target) in enumerate(stories):
        reporter_p = p[reporter]
        keys = [await upload_demo_photo(session, platform, reporter_p, f"hazard {index + 1}", index * 37)]
        hazard, raw = await hazard_flows.report(
            session, storage=storage, actor=reporter_p, client_id=uuid.uuid4(), area_id=areas[area_index].id,
            description=text, location=f"{10 * (index + 1)} m from the entry",
            suggested_grade=HazardGrade.MAJOR if target == "MAJOR" else HazardGrade.GENERAL, photo_keys=keys)
        originals += raw
        if target == "REPORTED":
            continue
        officer = p["anjianyuan"]
        if target == "DISMISSED":
            await hazard_flows.dismiss(session, actor=officer, hazard_id=hazard.id,
                                       reason="巡查确认排水正常 drains checked, not a hazard")
            continue
        responsible = "kuanggong2" if area_index == 1 else "banzuzhang"
        major = target == "MAJOR"
        await hazard_flows.triage(
            session, actor=officer, hazard_id=hazard.id, grade=HazardGrade.MAJOR if major else HazardGrade.GENERAL,
            level=None if major else HazardLevel.B, responsible_id=demo["users"][responsible].id,
            team_id=demo["users"][responsible].team_id,
            deadline=None,
            control_measures="设警戒、停止该区域作业 Cordon off and stop work in the zone",
            treatment_plan={"measures": "加强抽采，调整通风 Boost drainage, adjust ventilation",
                            "responsible_people": "赵区队长, 吴班组长", "funds": "¥80,000",
                            "deadline": (utcnow() + timedelta(days=5)).date().isoformat(),
                            "contingency_plan": "超限即断电撤人 Power off and withdraw on exceedance"}
            if major else None)
        if target == "OVERDUE":  # demo data only: as if triaged four days ago with a three-day deadline
            hazard.assigned_at = utcnow() - timedelta(days=4)
            hazard.deadline = utcnow() - timedelta(days=1)
        if target in ("ASSIGNED", "OVERDUE"):
            continue
        doer = p[responsible]
        await hazard_flows.accept(session, actor=doer, hazard_id=hazard.id)
        if target == "RECTIFYING":
            continue
        after = [await upload_demo_photo(session, platform, doer, f"fixed {index + 1}", index * 53 + 90)]
        _, raw = await hazard_flows.submit_rectification(
            session, storage=storage, actor=doer, hazard_id=hazard.id, submission_id=uuid.uuid4(),
            note="已整改完成 Done; see after-photo", photo_keys=after)
        originals += raw
        if target in ("PENDING_REVIEW", "MAJOR"):
            if major:
                await hazard_flows.reinspect(session, actor=p["anjianyuan2"], hazard_id=hazard.id, passed=True,
                                             reason="复查合格 re-inspection passed")
            continue
        await hazard_flows.reinspect(session, actor=p["anjianyuan2"], hazard_id=hazard.id, passed=True,
                                     reason="复查合格 re-inspection passed")
    return originals


def _write_devices_file(content: dict[str, Any]) -> None:
    DEVICES_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEVICES_FILE.write_text(json.dumps(content, indent=2))


def _print_logins() -> None:
    print("\nDemo mine 示范煤矿 — every password is", DEMO_PASSWORD)
    for username, display, roles, _, _ in PEOPLE:
        print(f"  {username:<12} {', '.join(r.value for r in roles):<26} {display}")
    print(f"Device tokens (sensor bridge, vision worker, robot, camera): {DEVICES_FILE}\n")
