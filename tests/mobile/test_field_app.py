"""Issue 11 items 1 and 2 on the whole app headless, against the live backend through a proxy that drops the
connection (tests/mobile/field_driver.py), with screenshots in artifacts/screenshots/mobile-field/."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.backend.sensors.api import add_sensor, ingest, reading
from tests.conftest import ARTIFACTS, PASSWORD, MineFixture
from tests.mobile.alerts_setup import INGEST_SYNC, RAISE_MANUAL_SYNC, SENSOR_CODE, set_up_sync
from tests.mobile.test_app_headless import run_driver
from tests.mobile.training_setup import gql

SHOTS = ARTIFACTS / "screenshots" / "mobile-field"
CYCLES = 30           # the simulator's methane cycles: alarm, back to normal (one folded row)
RESOLVED_MANUAL = 30  # and other handled alerts: with the cycles, more than the list's page of 50
RESOLVE = """mutation($input: ResolveAlertInput!) { resolveAlert(input: $input) { __typename } }"""


async def oxygen_low(server: str, mine: MineFixture, bridge: str) -> None:
    """An intake oxygen sensor reading under its lower limit (20 %): shown "below" in the area's sensors."""
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        await add_sensor(http, mine, "O2-3101", "O2", area=0, location="WORKING_FACE_INTAKE", pollingSeconds=60.0)
        stored = await ingest(http, bridge, seq=50, readings=[reading("O2-3101", 18.6, datetime.now(UTC))])
        assert stored["readingsStored"] == 1, stored


def history(server: str, mine: MineFixture, ids: dict[str, Any]) -> None:
    """More than a page of resolved alerts, all newer than the open ones."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, oxygen_low(server, mine, ids["bridge_token"])).result(timeout=60)
    now = datetime.now(UTC)
    for i in range(CYCLES):
        at = now - timedelta(minutes=CYCLES - i)
        changes = [{"sensorCode": SENSOR_CODE, "event": "LEVEL_CHANGED", "level": level, "fault": None,
                    "value": value, "ts": (at + timedelta(seconds=s)).isoformat(), "detail": "simulator cycle"}
                   for level, value, s in (("ALARM", 1.2, 0), ("NORMAL", 0.4, 30))]
        done = gql(server, INGEST_SYNC, {"input": {"batchId": str(uuid.uuid4()), "bridgeSeq": 100 + i, "readings": [],
                                                   "alarmChanges": changes}}, ids["bridge_token"])
        assert done["ingestSensorBatch"]["alertsRaised"] == 1, done
    officer = mine.token("safety_officer")
    for i in range(RESOLVED_MANUAL):
        raised = gql(server, RAISE_MANUAL_SYNC, {"input": {"clientId": str(uuid.uuid4()), "areaId": ids["area0"],
                                                           "severity": "WARNING", "title": f"巡检记录 round {i}",
                                                           "detail": "handled"}}, officer)
        alert_id = raised["raiseManualAlert"]["id"]
        assert gql(server, RESOLVE, {"input": {"alertId": alert_id, "note": "ok"}},
                   officer)["resolveAlert"]["__typename"] == "Alert"


@pytest.mark.slow
def test_alarms_and_offline_headless_with_screenshots(tmp_path: Path, live_server: Any, mine: MineFixture) -> None:
    ids = set_up_sync(live_server.url, mine)
    history(live_server.url, mine, ids)
    plan = {"server": "", "server_port": urlparse(live_server.url).port, "direct": live_server.url,
            "data": str(tmp_path / "app-data"), "cycles": CYCLES, **ids,
            "people": {who: {"username": mine.users[who].username, "password": PASSWORD}
                       for who in ("miner", "safety_officer")}}
    summary = run_driver("tests.mobile.field_driver", plan, tmp_path, SHOTS, at_least=16)
    # the new alarm rang and repeated until acknowledged, in both languages (how often the alarms waiting at the
    # sign-in rang before "got it" depends on the machine's speed, so the total is not a fixed number)
    assert summary["rings_before_ack"] >= 4 and summary["rings_en"] >= 2, summary
