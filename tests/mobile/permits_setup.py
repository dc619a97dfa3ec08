"""Permits for the app tests, made over the backend's GraphQL API (other people's phones): an underground hot-work
permit applied by the team leader and one approved, gas-tested and started with the guardian in the area; people
are placed in areas as positioning would (rows of its table, on the live server's database)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from backend.accounts.models import DeviceKind
from backend.permits import interlock
from backend.platform import Platform
from backend.positioning.models import PersonPosition
from tests.backend.permits.api import APPLY, APPROVE, HAND_TEST, KINDS, START
from tests.conftest import MineFixture
from tests.mobile.alerts_setup import INGEST_SYNC
from tests.mobile.training_setup import gql

SENSOR = "CH4-HW"


def place(settings: Any, mine: MineFixture, who: str, area: int | None) -> None:
    """Put a person in an area and tell the interlock (as positioning's presence event does)."""

    async def run() -> None:
        platform = Platform.from_settings(settings)
        try:
            async with platform.session_factory() as session:
                user_id = mine.users[who].id
                position = await session.get(PersonPosition, user_id)
                before = position.area_id if position else None
                area_id = mine.areas[area] if area is not None else None
                now = datetime.now(UTC)
                if position is None:
                    session.add(PersonPosition(user_id=user_id, mine_id=mine.mine_id, area_id=area_id, since=now,
                                               last_seen_at=now, tag_code=f"T-{who}", reader_code="R"))
                else:
                    position.area_id = area_id
                await session.flush()
                await interlock.on_presence(session, mine_id=mine.mine_id, user_id=user_id, from_area_id=before,
                                            to_area_id=area_id)
                await session.commit()
        finally:
            await platform.close()

    asyncio.run(run())


def apply(server: str, mine: MineFixture, description: str, *, area: int = 0) -> dict[str, Any]:
    kinds = {k["code"]: k for k in gql(server, KINDS, {}, mine.token("team_leader"))["permitKinds"]}
    start = datetime.now(UTC) - timedelta(minutes=1)
    permit = gql(server, APPLY, {"input": {
        "clientId": str(uuid.uuid4()), "kindId": kinds["HOT_WORK"]["id"], "grade": "FIRST",
        "areaId": str(mine.areas[area]), "startsAt": start.isoformat(),
        "endsAt": (start + timedelta(hours=6)).isoformat(), "description": description,
        "workLeaderId": mine.user_id("team_leader"), "guardianId": mine.user_id("mentor"),
        "crewIds": [mine.user_id("miner"), mine.user_id("miner2")]}}, mine.token("team_leader"))["applyPermit"]
    assert permit["__typename"] == "Permit", permit
    return permit


def live(server: str, settings: Any, mine: MineFixture) -> dict[str, Any]:
    """A started hot-work permit in area 0 (approved by all three, gas tested, the guardian there)."""
    permit = apply(server, mine, "1号皮带机头架焊接 Welding the belt drive frame", area=0)
    for role in permit["requiredRoles"]:
        result = gql(server, APPROVE, {"input": {"permitId": permit["id"], "role": role}}, mine.token(role))
        assert result["approvePermit"]["__typename"] == "Permit", result
    gql(server, HAND_TEST, {"input": {"permitId": permit["id"], "ch4": 0.2, "stage": "START",
                                      "measuredAt": datetime.now(UTC).isoformat()}}, mine.token("safety_officer2"))
    for who in ("mentor", "team_leader", "miner", "miner2"):
        place(settings, mine, who, 0)
    started = gql(server, START, {"id": permit["id"]}, mine.token("mentor"))["startPermit"]
    assert started["state"] == "ACTIVE", started
    return started


def alarm(server: str, mine: MineFixture, admin_sensor: bool = True) -> None:
    """The area's methane sensor crosses 0.5 % (the hot-work limit): the interlock stops the permit."""
    from tests.backend.sensors.api import ADD_SENSOR

    if admin_sensor:
        gql(server, ADD_SENSOR, {"input": {"code": SENSOR, "kind": "CH4", "areaId": str(mine.areas[0]),
                                           "locationType": "WORKING_FACE", "pollingSeconds": 2.0}},
            mine.token("admin"))
    now = datetime.now(UTC)
    gql(server, INGEST_SYNC, {"input": {"batchId": str(uuid.uuid4()), "bridgeSeq": 1, "alarmChanges": [],
                                        "readings": [{"sensorCode": SENSOR, "value": 0.72, "ts": now.isoformat(),
                                                      "fault": False}]}},
        mine.device_tokens[DeviceKind.SENSOR_BRIDGE])
