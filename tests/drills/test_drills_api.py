"""The mine model and drills over GraphQL: errors with field and line, roles, mines, and drill data that never
reaches the real sensor, the real alerts or the KPIs (the bridge's batch, without MQTT)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.drills.models import DrillEvent
from backend.hazards import flows as hazard_flows
from backend.hazards.models import Hazard
from backend.kpi import service as kpi_service
from backend.sensors.models import Sensor, SensorReading
from contracts.hazards import HazardSource
from sensors.bridge import SensorBridge
from sensors.buffer import BridgeStore
from sensors.demo import demo_config
from tests.backend.alerts.api import OPEN_HAZARD
from tests.backend.sensors.api import change, ingest, reading
from tests.conftest import gql
from tests.drills.setup import DEMO_MODEL, FINISH, IMPORT, RESPOND, SET_ROADWAY, START, mine_with_model, plan

SHORT = """name: short
duration_s: 60
events:
  - {id: gas, at_s: 1, kind: METHANE_RISE, area: WF1, rate_m3_s: 0.4}
responses:
  - {kind: ALARM, after: gas, within_s: 30}
  - {kind: POWER_CUT, after: gas, within_s: 30}
"""


async def test_the_model_is_checked_against_the_unit_tree_with_field_and_line(client: httpx.AsyncClient, make_mine,
                                                                            platform) -> None:
    mine, _ = await mine_with_model(client, make_mine, platform, sensors=False)
    unknown = DEMO_MODEL.replace("REFUGE", "REFUGE2").replace("kind: REFUGE2", "kind: REFUGE")
    result = (await gql(client, IMPORT, {"d": unknown}, token=mine.token("admin")))["importMineNetwork"]
    assert result["__typename"] == "ValidationFailed" and result["field"] == "document"
    assert result["message"] == ("line 9: areas[5].id: unknown area 'REFUGE2': no active area of this mine has that "
                                 "code")
    negative = DEMO_MODEL.replace("length_m: 150,", "length_m: -150,")
    result = (await gql(client, IMPORT, {"d": negative}, token=mine.token("admin")))["importMineNetwork"]
    assert result["message"].startswith("line 18: roadways[4].length_m: Input should be greater than 0")
    cut_off = (await gql(client, SET_ROADWAY, {"i": {"fromArea": "SHAFT", "toArea": "INT1", "lengthM": 400,
                                                     "crossSectionM2": 9.5, "airSpeedMS": 4}},
                         token=mine.token("admin")))["setRoadway"]
    assert cut_off["__typename"] == "MineNetwork" and cut_off["version"] == 2
    loop = (await gql(client, SET_ROADWAY, {"i": {"fromArea": "J1", "toArea": "INT1", "lengthM": 10,
                                                  "crossSectionM2": 9.5, "airSpeedMS": 4}},
                      token=mine.token("admin")))["setRoadway"]
    assert loop["__typename"] == "ValidationFailed" and "recirculates" in loop["message"]
    network = (await gql(client, "{ mineNetwork { version areas { id downstream } } downstreamAreas(areaCode: "
                                 "\"HEAD1\") }", token=mine.token("miner")))
    assert network["downstreamAreas"] == ["J1", "RET", "UPCAST"] and network["mineNetwork"]["version"] == 2
    refused = (await gql(client, IMPORT, {"d": DEMO_MODEL}, token=mine.token("safety_officer")))["importMineNetwork"]
    assert refused["__typename"] == "NotAllowed"


async def test_scenario_errors_roles_and_mines(client: httpx.AsyncClient, make_mine, platform) -> None:
    mine, _ = await mine_with_model(client, make_mine, platform, sensors=False)
    bad = SHORT.replace("area: WF1", "area: WF7")
    result = await plan(client, mine, bad)
    assert result["__typename"] == "ValidationFailed" and result["field"] == "scenario"
    assert result["message"] == "line 4: events[0].area: unknown area 'WF7'"
    assert (await plan(client, mine, SHORT, who="miner"))["__typename"] == "NotAllowed"
    role = await plan(client, mine, SHORT.replace("within_s: 30}\n", "within_s: 30, role: DISPATCHER}\n", 1))
    assert role["__typename"] == "ValidationFailed" and role["message"].startswith(
        "responses[0].role: unknown role 'DISPATCHER' (one of ADMIN, AREA_MANAGER")
    other, _ = await mine_with_model(client, make_mine, platform, sensors=False)
    assert (await plan(client, mine, SHORT, participants=[{"userId": other.user_id("miner"), "task": "x"}])
            )["__typename"] == "ValidationFailed"
    drill = await plan(client, mine, SHORT, participants=[{"userId": mine.user_id("miner"), "task": "撤离 leave"}])
    assert drill["__typename"] == "Drill" and drill["state"] == "PLANNED"
    # another mine's director cannot see, start or finish it; a miner cannot start it
    assert (await gql(client, START, {"id": drill["id"]}, token=other.token("safety_officer")))["startDrill"][
        "__typename"] == "NotFound"
    assert (await gql(client, START, {"id": drill["id"]}, token=mine.token("miner")))["startDrill"][
        "__typename"] == "NotAllowed"
    assert (await gql(client, "query($id: ID!) { drill(id: $id) { id } }", {"id": drill["id"]},
                      token=other.token("safety_officer")))["drill"] is None
    not_running = (await gql(client, RESPOND, {"d": drill["id"], "k": "HAZARD_OPENED"},
                             token=mine.token("miner")))["reportDrillResponse"]
    assert not_running["__typename"] == "InvalidTransition"
    assert (await gql(client, FINISH, {"id": drill["id"]}, token=mine.token("safety_officer")))["finishDrill"][
        "__typename"] == "InvalidTransition"
    started = (await gql(client, START, {"id": drill["id"]}, token=mine.token("safety_officer")))["startDrill"]
    assert started["state"] == "RUNNING"
    # a person who is not a participant (nor a director) cannot report its responses
    outsider = (await gql(client, RESPOND, {"d": drill["id"], "k": "HAZARD_OPENED"},
                          token=mine.token("miner2")))["reportDrillResponse"]
    assert outsider["__typename"] == "NotAllowed"


async def test_drill_changes_never_touch_the_real_sensor_alerts_or_kpis(client: httpx.AsyncClient, make_mine,
                                                                       platform) -> None:
    mine, _ = await mine_with_model(client, make_mine, platform)
    other, _ = await mine_with_model(client, make_mine, platform)
    drill = await plan(client, mine, SHORT + "  - {kind: HAZARD_OPENED, after: gas, within_s: 300}\n", speed=10.0)
    await gql(client, START, {"id": drill["id"]}, token=mine.token("safety_officer"))
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    await asyncio.sleep(0.3)  # drill second 3: after the gas event at 1 s
    now = datetime.now(UTC)
    drill_reading = {**reading("WF1-CH4-01", 2.1, now), "drillId": drill["code"]}
    drill_cut = {**change("WF1-CH4-01", "POWER_CUT", "ALARM", 2.1, now), "drillId": drill["code"]}
    drill_alarm = {**change("WF1-CH4-01", "LEVEL_CHANGED", "ALARM", 2.1, now), "drillId": drill["code"]}
    result = await ingest(client, token, seq=1, readings=[drill_reading, reading("WF1-CH4-01", 0.3, now)],
                          changes=[drill_alarm, drill_cut])
    assert result["readingsStored"] == 1 and result["alertsRaised"] == 2
    # the other mine's bridge naming this mine's drill: refused, nothing of it applied to its own sensor
    foreign = await ingest(client, other.device_tokens[DeviceKind.SENSOR_BRIDGE], seq=1, readings=[],
                           changes=[drill_cut])
    assert foreign["alarmChangesRejected"] == 1 and foreign["alertsRaised"] == 0
    async with platform.session_factory() as session:
        sensor = await session.scalar(select(Sensor).where(Sensor.mine_id == mine.mine_id,
                                                           Sensor.code == "WF1-CH4-01"))
        assert sensor is not None and not sensor.power_cut and sensor.level.value == "NORMAL"
        assert (await session.scalars(select(SensorReading.value).where(SensorReading.sensor_id == sensor.id))
                ).all() == [0.3]
        alerts = (await session.scalars(select(Alert).where(Alert.mine_id.in_([mine.mine_id, other.mine_id])))).all()
        assert len(alerts) == 2 and all(str(a.drill_id) == drill["id"] for a in alerts)
        assert {a.severity.value for a in alerts} == {"ALARM", "CRITICAL"}
        cuts = (await session.scalars(select(DrillEvent).where(DrillEvent.kind == "POWER_CUT"))).all()
        assert [(c.subject, c.detail) for c in cuts if str(c.drill_id) == drill["id"]] == [("WF1-CH4-01", "WF1")]
        since = now - timedelta(hours=1)
        assert await kpi_service.alert_facts(session=session, mine_id=mine.mine_id, raised_from=since,
                                             raised_to=None) == []
    listed = (await gql(client, "{ alerts(first: 10) { edges { node { id isDrill drillId severity } } } }",
                        token=mine.token("safety_officer")))["alerts"]["edges"]
    assert {(e["node"]["isDrill"], e["node"]["drillId"]) for e in listed} == {(True, drill["id"])}
    # a hazard opened from a drill alert is the drill's: HAZARD_OPENED, and never in the hazard KPIs
    alarm = next(e["node"]["id"] for e in listed if e["node"]["severity"] == "ALARM")
    opened = (await gql(client, OPEN_HAZARD, {"input": {"alertId": alarm}}, token=mine.token("safety_officer")))[
        "openHazardFromAlert"]
    assert opened["__typename"] == "Hazard", opened
    async with platform.session_factory() as session:  # a real hazard beside it
        real = await hazard_flows.open_from_source(session, actor=None, mine_id=mine.mine_id, area_id=mine.areas[0],
                                                   source=HazardSource.SENSOR, source_ref="real", description="real")
        await session.commit()
    for hazard_id, drill_flag in ((opened["id"], True), (str(real.id), False)):
        shown = (await gql(client, "query($id: ID!) { hazard(id: $id) { id isDrill } }", {"id": hazard_id},
                           token=mine.token("safety_officer")))["hazard"]
        assert shown == {"id": hazard_id, "isDrill": drill_flag}
    async with platform.session_factory() as session:
        hazard = await session.get(Hazard, uuid.UUID(opened["id"]))
        assert hazard is not None and str(hazard.drill_id) == drill["id"]
        facts = await kpi_service.hazard_facts(session=session, mine_id=mine.mine_id, reported_from=since,
                                               reported_to=None)
        assert [f.state.value for f in facts] == ["REPORTED"]  # the real one, never the drill's
    finished = (await gql(client, FINISH, {"id": drill["id"]}, token=mine.token("safety_officer")))["finishDrill"]
    assert [(r["kind"], r["met"]) for r in finished["results"]] == [("ALARM", True), ("POWER_CUT", True),
                                                                    ("HAZARD_OPENED", True)]
    assert finished["results"][2]["who"] == "safety officer" and finished["score"] == 100.0


def test_the_bridge_judges_a_drill_on_its_own_states(tmp_path: Path) -> None:
    """A drill's readings through the real decoder: the drill's sensor state and zone change, the real ones never;
    the readings and changes to forward carry the drill."""
    bridge = SensorBridge(config=demo_config(), store=BridgeStore(tmp_path / "b.sqlite"), backend=None)
    now = datetime.now(UTC)
    readings = [{"sensor_id": "WF1-CH4-01", "value": 0.4, "ts": (now - timedelta(seconds=1)).isoformat()},
                {"sensor_id": "WF1-CH4-01", "value": 1.8, "ts": now.isoformat()}]
    payload = json.dumps({"readings": readings}).encode()
    bridge._handle("minesafe/demo/drills/d123/batch", payload)
    assert bridge.states == {} and bridge.zones == {}
    assert bridge.drill_zones == {"d123": {"wf1": frozenset({"WF1-CH4-01"})}}
    assert bridge.drill_states["d123"]["WF1-CH4-01"].power_cut
    assert bridge.stats["drill_control_cut"] == 1 and bridge.stats["control_cut"] == 0
    pending = bridge._pending
    assert {r.drill_id for r in pending.readings} == {"d123"} and pending.changes
    assert {c.drill_id for c in pending.changes} == {"d123"} and not pending.zones_dirty and not pending.dirty
    bridge._handle("minesafe/demo/drills/bad!id/batch", payload)
    assert bridge.stats["malformed"] == 1
