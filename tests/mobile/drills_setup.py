"""Drills for the app tests, made over the backend's GraphQL API: a two-area model, one drill finished and scored
(the bridge's drill alarm came, the interlock suspended the drill's permit in time; nobody opened the hazard) and
one running."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from backend.accounts.models import DeviceKind
from sensors.api import INGEST_MUTATION
from tests.backend.org.api import CREATE_UNIT
from tests.backend.sensors.api import ADD_SENSOR, change
from tests.conftest import MineFixture
from tests.drills.setup import FINISH, IMPORT, PLAN, START
from tests.mobile.training_setup import gql

MODEL = """areas:
  - {id: FACE, kind: WORKING_FACE}
  - {id: SAFE, kind: SHAFT, safe: true}
roadways:
  - {from: SAFE, to: FACE, length_m: 300, cross_section_m2: 10, air_speed_m_s: 2}
sensors:
  - {id: FACE-CH4, kind: CH4, area: FACE}
"""
SCENARIO = """name: 工作面瓦斯超限 Methane at the face
duration_s: 300
permits:
  - {kind: HOT_WORK, area: FACE}
events:
  - {id: gas, at_s: 0, kind: METHANE_RISE, area: FACE, rate_m3_s: 0.4}
responses:
  - {kind: ALARM, after: gas, within_s: 60}
  - {kind: PERMITS_SUSPENDED, after: gas, within_s: 120}
  - {kind: HAZARD_OPENED, after: gas, within_s: 120}
"""


def set_up(server: str, mine: MineFixture) -> dict[str, Any]:
    admin, director = mine.token("admin"), mine.token("safety_officer")
    units = {code: gql(server, CREATE_UNIT, {"input": {"code": code, "name": f"{code} 区域", "kind": kind}},
                       admin)["createUnit"]["id"] for code, kind in (("FACE", "WORKING_FACE"), ("SAFE", "SHAFT"))}
    sensor = {"code": "FACE-CH4", "kind": "CH4", "areaId": units["FACE"], "locationType": "WORKING_FACE",
              "pollingSeconds": 2.0}
    assert gql(server, ADD_SENSOR, {"input": sensor}, admin)["addSensor"]["__typename"] == "Sensor"
    assert gql(server, IMPORT, {"d": MODEL}, admin)["importMineNetwork"]["__typename"] == "MineNetwork"
    task = "暂停本区域作业许可 Suspend the area's work permits"
    participants = [{"userId": mine.user_id("miner"), "task": task}]
    finished = gql(server, PLAN, {"i": {"scenario": SCENARIO, "participants": participants}}, director)["planDrill"]
    gql(server, START, {"id": finished["id"]}, director)
    # the bridge's drill alarm: a drill alert, and the interlock suspends the drill's permit
    alarm = {**change("FACE-CH4", "LEVEL_CHANGED", "ALARM", 1.2, datetime.now(UTC)), "drillId": finished["code"]}
    batch = {"input": {"batchId": str(uuid.uuid4()), "bridgeSeq": 1, "readings": [], "alarmChanges": [alarm]}}
    ingested = gql(server, INGEST_MUTATION, batch, mine.device_tokens[DeviceKind.SENSOR_BRIDGE])["ingestSensorBatch"]
    assert ingested["alertsRaised"] == 1, ingested
    scored = gql(server, FINISH, {"id": finished["id"]}, director)["finishDrill"]
    assert scored["state"] == "FINISHED", scored
    running = gql(server, PLAN, {"i": {"scenario": SCENARIO.replace("Person down", "Night shift"),
                                       "participants": [{"userId": mine.user_id("miner"), "task": "撤离 Withdraw"}]}},
                  director)["planDrill"]
    gql(server, START, {"id": running["id"]}, director)
    return {"finished": scored, "running": running}
