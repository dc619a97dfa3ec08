"""Demo vision setup for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py), made through the flows.

A fixed face camera and the inspection robot with danger zones, the mine's vision policy, and the
files a vision worker needs: var/vision-worker.token and var/demo-vision.json.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import DeviceKind
from backend.accounts.service import list_devices, principal_for
from backend.org import service as org_service
from backend.platform import Platform
from backend.vision import flows
from backend.vision.rules import CameraKind, VisionPolicy, ZoneCoords, ZoneRule

WORKER_TOKEN_FILE = Path("var/vision-worker.token")
VISION_FILE = Path("var/demo-vision.json")
WHOLE = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
# camera/robot code, name, kind, area index, device kind, frame size, zones
SETUP: list[tuple[str, str, CameraKind, int, DeviceKind, tuple[int, int] | None, list[flows.ZoneData]]] = [
    ("CAM-15201-01", "15201 工作面摄像头 Face camera", CameraKind.CAMERA, 0, DeviceKind.CAMERA, (1280, 720), [
        flows.ZoneData(name="采煤机滚筒 Shearer drum", rule=ZoneRule.NO_ENTRY, coords=ZoneCoords.PIXEL,
                       points=[(760, 260), (1280, 260), (1280, 720), (760, 720)]),
        flows.ZoneData(name="工作面人行道 Face walkway", rule=ZoneRule.NO_LYING, coords=ZoneCoords.NORMALISED,
                       points=WHOLE),
        flows.ZoneData(name="转载点 Transfer point", rule=ZoneRule.MAX_PEOPLE, coords=ZoneCoords.NORMALISED,
                       points=[(0.0, 0.4), (0.35, 0.4), (0.35, 1.0), (0.0, 1.0)], max_people=3),
    ]),
    ("ROBOT-01", "巡检机器人1号 Inspection robot 1", CameraKind.ROBOT, 3, DeviceKind.ROBOT, None, [
        flows.ZoneData(name="皮带机头 Belt head", rule=ZoneRule.NO_ENTRY, coords=ZoneCoords.NORMALISED,
                       points=[(0.6, 0.3), (1.0, 0.3), (1.0, 1.0), (0.6, 1.0)]),
        flows.ZoneData(name="大巷 Haulage roadway", rule=ZoneRule.NO_LYING, coords=ZoneCoords.NORMALISED,
                       points=WHOLE),
        flows.ZoneData(name="避险硐室 Refuge chamber door", rule=ZoneRule.DWELL_LIMIT, coords=ZoneCoords.NORMALISED,
                       points=[(0.0, 0.0), (0.3, 0.0), (0.3, 1.0), (0.0, 1.0)], dwell_seconds=120),
    ]),
]


async def seed_vision(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    """The face camera and the robot with their zones, bound to the demo devices; the worker's token file."""
    admin = principal_for(demo["users"]["admin"])
    mine = demo["mine"]
    mine.settings = {**(mine.settings or {}), "vision": VisionPolicy().model_dump(mode="json")}
    devices = {d.kind: d for d in await list_devices(session=session, mine_id=mine.id)}
    registered: dict[str, str] = {}
    for code, name, kind, area_index, device_kind, frame, zones in SETUP:
        camera = await flows.register_camera(
            session, actor=admin, code=code, name=name, kind=kind, area_id=demo["areas"][area_index].id,
            stream_url="rtsp://10.15.201.10:554/stream1" if kind is CameraKind.CAMERA else None,
            frame_width=frame[0] if frame else None, frame_height=frame[1] if frame else None,
            device_id=devices[device_kind].id)
        for zone in zones:
            await flows.define_zone(session, actor=admin, camera_id=camera.id, data=zone)
        registered[code] = str(camera.id)
    area = await org_service.get_area(session=session, area_id=demo["areas"][3].id)
    await asyncio.to_thread(_write_files, demo["device_tokens"]["vision-worker"], {
        "mine_id": str(mine.id), "cameras": registered, "robot_area": area.name if area else None,
        "worker": f"minesafe vision worker --token-file {WORKER_TOKEN_FILE}",
        "robot_token": "tokens.robot-1 in var/demo-devices.json"})


def _write_files(worker_token: str, content: dict[str, Any]) -> None:
    WORKER_TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    WORKER_TOKEN_FILE.write_text(worker_token + "\n")
    WORKER_TOKEN_FILE.chmod(0o600)
    VISION_FILE.write_text(json.dumps(content, indent=2, ensure_ascii=False))
