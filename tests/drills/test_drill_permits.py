"""Drill permits: the work of a scenario goes on under permits flagged with the drill; the real permits interlock
suspends them on the drill's alarms (PERMITS_SUSPENDED is measured from that), never a real permit beside them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import select, update

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.org.models import Area
from backend.permits.models import Permit
from tests.backend.permits.api import PERMIT, PERMITS, apply, approve_all, hand_test, place, step
from tests.backend.permits.api import START as START_PERMIT
from tests.backend.sensors.api import change, ingest
from tests.conftest import gql
from tests.drills.setup import AREA_CODES, FINISH, START, mine_with_model, plan

SCENARIO = """name: hot work at the face
duration_s: 600
permits:
  - {kind: HOT_WORK, area: WF1, description: welding a support}
events:
  - {id: gas, at_s: 1, kind: METHANE_RISE, area: WF1, rate_m3_s: 0.4}
responses:
  - {kind: PERMITS_SUSPENDED, after: gas, within_s: 300}
"""


async def test_the_interlock_suspends_the_drill_permits_only(client: httpx.AsyncClient, make_mine, platform) -> None:
    mine, areas = await mine_with_model(client, make_mine, platform)
    wf1 = len(mine.areas) - len(AREA_CODES) + AREA_CODES.index("WF1")
    async with platform.session_factory() as session:  # the area manager manages the face (signs its permits)
        await session.execute(update(Area).where(Area.id == areas["WF1"]).values(
            manager_id=mine.users["area_manager"].id))
        await session.commit()
    real = await apply(client, mine, area=wf1)  # real hot work at the same face, alongside the drill
    await approve_all(client, mine, real)
    assert (await hand_test(client, mine, real["id"]))["__typename"] == "Permit"
    for who in ("mentor", "team_leader", "miner", "miner2"):
        await place(platform, mine, who, wf1, notify=False)
    assert (await step(client, mine, START_PERMIT, "team_leader", id=real["id"]))["state"] == "ACTIVE"

    drill = await plan(client, mine, SCENARIO, speed=10.0)
    assert drill["__typename"] == "Drill", drill
    await gql(client, START, {"id": drill["id"]}, token=mine.token("safety_officer"))
    async with platform.session_factory() as session:
        [drill_permit] = (await session.scalars(select(Permit).where(Permit.drill_id == uuid.UUID(drill["id"])))
                          ).all()
        assert (drill_permit.state.value, drill_permit.area_id, drill_permit.kind_code) == ("ACTIVE", areas["WF1"],
                                                                                          "HOT_WORK")
    # the real permit lists never show it
    listed = (await gql(client, PERMITS, {"mine": False}, token=mine.token("mine_manager")))["permits"]
    assert [p["id"] for p in listed] == [real["id"]]

    await asyncio.sleep(0.3)  # drill second 3: after the gas event at 1 s
    now = datetime.now(UTC)
    drill_alarm = {**change("WF1-CH4-01", "LEVEL_CHANGED", "ALARM", 2.1, now), "drillId": drill["code"]}
    result = await ingest(client, mine.device_tokens[DeviceKind.SENSOR_BRIDGE], seq=1, readings=[],
                          changes=[drill_alarm])
    assert result["alertsRaised"] == 1
    async with platform.session_factory() as session:
        suspended = await session.get(Permit, drill_permit.id)
        assert suspended is not None and suspended.state.value == "SUSPENDED"
        assert [r["cause"] for r in suspended.suspend_reasons] == ["ALARM"]
        notices = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                             Alert.source == "PERMIT"))).all()
        assert [(str(a.drill_id), a.title.startswith("[演练 DRILL]")) for a in notices] == [(drill["id"], True)]
    # the real work beside it goes on
    still = (await gql(client, PERMIT, {"id": real["id"]}, token=mine.token("team_leader")))["permit"]
    assert still["state"] == "ACTIVE" and still["suspensions"] == 0

    finished = (await gql(client, FINISH, {"id": drill["id"]}, token=mine.token("safety_officer")))["finishDrill"]
    [measured] = finished["results"]
    assert measured["met"] and measured["who"] == "permits interlock (HOT_WORK)", measured
    assert 0 <= measured["seconds"] <= 300
    async with platform.session_factory() as session:
        ended = await session.get(Permit, drill_permit.id)
        assert ended is not None and ended.state.value == "CANCELLED" and ended.ended_reason == "the drill is over"


async def test_drill_permit_errors_name_field_and_line(client: httpx.AsyncClient, make_mine, platform) -> None:
    mine, _ = await mine_with_model(client, make_mine, platform, sensors=False)
    no_permits = SCENARIO.replace("permits:\n  - {kind: HOT_WORK, area: WF1, description: welding a support}\n", "")
    refused = await plan(client, mine, no_permits)
    assert refused["__typename"] == "ValidationFailed"
    assert refused["message"].startswith("line 6: responses[0].kind: PERMITS_SUSPENDED is measured on the drill's "
                                         "permits"), refused
    unknown_area = await plan(client, mine, SCENARIO.replace("area: WF1, description", "area: WF9, description"))
    assert unknown_area["message"] == "line 4: permits[0].area: unknown area 'WF9'"
    unknown_kind = await plan(client, mine, SCENARIO.replace("kind: HOT_WORK", "kind: ARSON"))
    assert unknown_kind["__typename"] == "ValidationFailed"
    assert unknown_kind["message"].startswith("permits[0].kind: unknown permit kind 'ARSON' (one of "), unknown_kind
    hostile = await plan(client, mine, SCENARIO.replace("kind: HOT_WORK", "kind: \"'; DROP TABLE permits; --\""))
    assert hostile["__typename"] == "ValidationFailed" and "permits[0].kind" in hostile["message"]
    too_many = SCENARIO.replace("  - {kind: HOT_WORK, area: WF1, description: welding a support}\n",
                                "  - {kind: HOT_WORK, area: WF1}\n" * 51)
    assert "permits" in (await plan(client, mine, too_many))["message"]
    async with platform.session_factory() as session:
        assert (await session.scalars(select(Permit).where(Permit.mine_id == mine.mine_id))).all() == []
