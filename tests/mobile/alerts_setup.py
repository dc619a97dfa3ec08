"""Alerts for the app tests, raised through the backend's own paths over its GraphQL API (another client):
a methane sensor with an hour of readings (the bridge's ingestSensorBatch), a vision event with a
snapshot (robot upload → worker claim → reportVisionEvents) and manual alerts (raiseManualAlert)."""

from __future__ import annotations

import asyncio
import io
import math
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image, ImageDraw

from backend.accounts.models import DeviceKind
from tests.backend.alerts.api import raise_manual
from tests.backend.sensors.api import add_sensor, ingest, reading
from tests.backend.training.api import upload_video
from tests.backend.vision.api import claim, define_zone, register_camera, report_events, submit, upload_snapshot
from tests.conftest import MineFixture
from tests.mobile.training_setup import gql

SENSOR_CODE = "CH4-3101"
FAKE_VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(2000)
INGEST_SYNC = """mutation($input: SensorBatchInput!) { ingestSensorBatch(input: $input) { __typename
  ... on SensorBatchAccepted { alertsRaised } ... on NotAllowed { message } ... on ValidationFailed { message } } }"""
RAISE_MANUAL_SYNC = """mutation($input: RaiseManualAlertInput!) { raiseManualAlert(input: $input) { __typename
  ... on Alert { id } ... on NotAllowed { message } ... on ValidationFailed { message } } }"""


def snapshot_picture() -> bytes:
    """A camera frame as the vision worker saves it: a roadway, the danger zone, a person inside it."""
    image = Image.new("RGB", (640, 360), (28, 30, 36))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 360), (250, 150), (390, 150), (640, 360)], fill=(52, 50, 48))
    draw.polygon([(384, 108), (640, 108), (640, 360), (384, 360)], outline=(250, 200, 40), width=5)
    draw.rectangle((470, 150, 540, 330), outline=(230, 50, 40), width=5)
    draw.ellipse((490, 160, 520, 190), fill=(210, 180, 150))
    draw.rectangle((488, 192, 522, 270), fill=(40, 90, 170))
    draw.rectangle((490, 270, 520, 325), fill=(30, 30, 30))
    draw.rectangle((0, 0, 640, 28), fill=(0, 0, 0))
    draw.text((8, 8), "CAM-BELT-01  NO_ENTRY  person 0.87", fill=(250, 250, 250))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def methane(minutes_ago: float) -> float:
    """An hour of methane creeping up at a working face (% by volume)."""
    return round(0.32 + 0.5 * (1 - minutes_ago / 60) ** 2 + 0.03 * math.sin(minutes_ago / 3), 3)


async def set_up(server: str, mine: MineFixture) -> dict[str, Any]:
    """The sensor with its history, one vision alert with a snapshot, a mine-wide and another area's manual
    alert. Returns what the app driver needs to raise more while the app watches."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        sensor = await add_sensor(http, mine, SENSOR_CODE, "CH4", area=0, location="WORKING_FACE",
                                  pollingSeconds=60.0)
        bridge = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
        now = datetime.now(UTC).replace(microsecond=0)
        history = [reading(SENSOR_CODE, methane(m), now - timedelta(minutes=m)) for m in range(60, 0, -1)]
        stored = await ingest(http, bridge, seq=1, readings=history)
        assert stored["__typename"] == "SensorBatchAccepted" and stored["readingsStored"] == 60, stored
        co = await add_sensor(http, mine, "CO-3101", "CO", area=0, location=None, pollingSeconds=60.0)
        await ingest(http, bridge, seq=2, readings=[reading("CO-3101", 6.0, now)])

        admin = mine.token("admin")
        robot = await register_camera(http, admin, mine.areas[0], kind="ROBOT", code="CAM-BELT-01")
        assert robot["__typename"] == "Camera", robot
        zone = await define_zone(http, admin, robot["id"], rule="NO_ENTRY", name="belt head",
                                 points=[{"x": 0.6, "y": 0.3}, {"x": 1.0, "y": 0.3}, {"x": 1.0, "y": 1.0},
                                         {"x": 0.6, "y": 1.0}], openHazard=False)
        assert zone["__typename"] == "DangerZone", zone
        video = await upload_video(http, mine.device_tokens[DeviceKind.ROBOT], FAKE_VIDEO)
        job = await submit(http, mine.device_tokens[DeviceKind.ROBOT], robot_id=robot["id"], key=video)
        worker = mine.device_tokens[DeviceKind.VISION_WORKER]
        claimed = await claim(http, worker, "phone-test-worker")
        assert claimed["job"]["id"] == job["id"], claimed
        snapshot = await upload_snapshot(http, worker, snapshot_picture())
        events = await report_events(http, worker, job["id"], "phone-test-worker", [
            {"eventKey": f"{zone['id']}:NO_ENTRY:1", "rule": "NO_ENTRY", "zoneId": zone["id"], "trackId": 1,
             "videoTimeS": 12.4, "confidence": 0.87, "snapshotKey": snapshot,
             "detail": "有人进入皮带机头危险区域 person entered the belt head zone"}])
        assert events["__typename"] == "VisionEventsAccepted" and events["alertsRaised"] == 1, events
        vision_alert = events["events"][0]["alertId"]

        officer = mine.token("safety_officer")
        wide = await raise_manual(http, officer, area_id=None, severity="INFO",
                                  title="全矿通风系统检修 Ventilation maintenance", detail="22:00–23:00")
        other = await raise_manual(http, officer, area_id=mine.areas[1], severity="WARNING",
                                   title="运输巷积水 Water in the haulage roadway", detail="Area 1, 300 m")
        assert wide["__typename"] == other["__typename"] == "Alert", (wide, other)
    return {"sensor": sensor["id"], "co_sensor": co["id"], "vision_alert": vision_alert, "wide_alert": wide["id"],
            "other_area_alert": other["id"], "bridge_token": bridge, "miner_token": mine.token("miner"),
            "area0": str(mine.areas[0])}


def set_up_sync(server: str, mine: MineFixture) -> dict[str, Any]:
    """`set_up` from a plain test (on a thread of its own, away from the session's event loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, set_up(server, mine)).result(timeout=120)


def raise_sensor_alarm(server: str, token: str, seq: int) -> None:
    """The bridge reports methane over the alarm and then the power-cut threshold: an ALARM and a CRITICAL
    alert (sync: called by the app driver)."""
    now = datetime.now(UTC)
    values = [1.12, 1.32, 1.56]
    readings = [{"sensorCode": SENSOR_CODE, "value": v, "ts": (now - timedelta(seconds=20 * (2 - i))).isoformat(),
                 "fault": False} for i, v in enumerate(values)]
    alarm = (now - timedelta(seconds=40)).isoformat()
    changes = [{"sensorCode": SENSOR_CODE, "event": "LEVEL_CHANGED", "level": "ALARM", "fault": None, "value": 1.12,
                "ts": alarm, "detail": "3101 采煤工作面 CH4 1.12 % ≥ 1.0 %"},
               {"sensorCode": SENSOR_CODE, "event": "POWER_CUT", "level": "ALARM", "fault": None, "value": 1.56,
                "ts": now.isoformat(), "detail": "3101 采煤工作面 CH4 1.56 % ≥ 1.5 %：已断电 power cut"}]
    result = gql(server, INGEST_SYNC, {"input": {"batchId": str(uuid.uuid4()), "bridgeSeq": seq,
                                                 "readings": readings, "alarmChanges": changes}}, token)
    assert result["ingestSensorBatch"]["alertsRaised"] == 2, result


def raise_manual_alert(server: str, token: str, area_id: str, title: str) -> str:
    """A miner raises an alert from their area (sync: called by the app driver)."""
    result = gql(server, RAISE_MANUAL_SYNC, {"input": {"clientId": str(uuid.uuid4()), "areaId": area_id,
                                                        "severity": "ALARM", "title": title,
                                                        "detail": "reported from the face"}}, token)
    assert result["raiseManualAlert"]["__typename"] == "Alert", result
    return str(result["raiseManualAlert"]["id"])
