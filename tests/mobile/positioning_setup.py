"""Positioning for the app tests, over the backend's GraphQL API: a district over areas 0 and 1, a surface lamp
room, readers and tags (the admin), area 0 limited to 2 people, three people in it and one next door (the
bridge's ingestSightingBatch), then a methane alarm in area 0 whose alert lists them for evacuation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.accounts.models import DeviceKind
from tests.backend.org.api import CREATE_UNIT, MOVE_UNIT
from tests.backend.positioning.api import INGEST, ISSUE_TAG, SAVE_READER, SET_AREA
from tests.backend.sensors.api import ADD_SENSOR
from tests.conftest import MineFixture
from tests.mobile.alerts_setup import INGEST_SYNC
from tests.mobile.training_setup import gql

IN_AREA_0 = ("miner", "miner2", "team_leader")
SEQ = [100]


def sight(server: str, mine: MineFixture, moves: list[tuple[str, str]], at: datetime | None = None) -> None:
    """Sightings of (person, reader) by the mine's bridge."""
    at = at or datetime.now(UTC) - timedelta(seconds=1)
    SEQ[0] += 1
    result = gql(server, INGEST, {"input": {"batchId": str(uuid.uuid4()), "bridgeSeq": SEQ[0], "sightings": [
        {"tagCode": f"T-{who}", "readerCode": reader, "ts": at.isoformat()} for who, reader in moves]}},
        mine.device_tokens[DeviceKind.SENSOR_BRIDGE])["ingestSightingBatch"]
    assert result["__typename"] == "SightingBatchAccepted" and result["rejected"] == 0, result


def set_up(server: str, mine: MineFixture) -> dict[str, Any]:
    admin = mine.token("admin")
    district = gql(server, CREATE_UNIT, {"input": {"code": "D1", "name": "一采区 District 1", "kind": "DISTRICT"}},
                   admin)["createUnit"]["id"]
    for area in mine.areas[:2]:
        gql(server, MOVE_UNIT, {"id": str(area), "parent": district}, admin)
    surface = gql(server, CREATE_UNIT, {"input": {"code": "LAMP", "name": "灯房 Lamp room", "kind": "SURFACE"}},
                  admin)["createUnit"]["id"]
    for code, area in (("R0", str(mine.areas[0])), ("R1", str(mine.areas[1])), ("RS", surface)):
        assert gql(server, SAVE_READER, {"input": {"code": code, "areaId": area}}, admin)["savePositionReader"]["code"]
    for who in (*IN_AREA_0, "mentor"):
        issued = gql(server, ISSUE_TAG, {"input": {"tagCode": f"T-{who}", "userId": mine.user_id(who)}}, admin)
        assert issued["issueTag"]["__typename"] == "TagIssue", issued
    gql(server, SET_AREA, {"input": {"areaId": str(mine.areas[0]), "personLimit": 2}}, admin)
    sensor = gql(server, ADD_SENSOR, {"input": {"code": "CH4-3101", "kind": "CH4", "areaId": str(mine.areas[0]),
                                                "locationType": "WORKING_FACE", "pollingSeconds": 2.0}},
                 admin)["addSensor"]
    assert sensor["__typename"] == "Sensor", sensor
    t0 = datetime.now(UTC) - timedelta(minutes=20)
    sight(server, mine, [(who, "RS") for who in (*IN_AREA_0, "mentor")], t0)
    sight(server, mine, [*((who, "R0") for who in IN_AREA_0), ("mentor", "R1")], t0 + timedelta(minutes=5))
    return {"district": district, "surface": surface}


def raise_alarm(server: str, mine: MineFixture) -> str:
    """A methane alarm in area 0 (the bridge's alarm change): its alert and evacuation list; returns the alert id."""
    SEQ[0] += 1
    ts = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    result = gql(server, INGEST_SYNC, {"input": {"batchId": str(uuid.uuid4()), "bridgeSeq": SEQ[0], "readings": [],
                                                 "alarmChanges": [{"sensorCode": "CH4-3101", "event": "LEVEL_CHANGED",
                                                                   "level": "ALARM", "fault": None, "value": 1.3,
                                                                   "ts": ts, "detail": "CH4 1.30 %"}]}},
                 mine.device_tokens[DeviceKind.SENSOR_BRIDGE])["ingestSensorBatch"]
    assert result["alertsRaised"] == 1, result
    alerts = gql(server, "{ alerts(filter: {source: SENSOR}) { edges { node { id } } } }", {},
                 mine.token("safety_officer"))["alerts"]["edges"]
    return str(alerts[0]["node"]["id"])
