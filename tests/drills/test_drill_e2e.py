"""A whole drill end to end: the runner publishes simulated readings on the embedded broker, the real bridge judges
them and forwards to the live backend, people respond over GraphQL, the drill is scored — while production runs on
the same mine: the drill's power cut goes only to its drill control topic, its alerts are drill alerts that no KPI
counts, the real sensor keeps its own state and history."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.drills.models import DrillPosition
from backend.kpi import service as kpi_service
from backend.positioning.models import PersonPosition
from backend.sensors.models import Sensor, SensorReading
from contracts.topics import reading_topic
from drills.model import network_from_document, scenario_from_document
from drills.runner import DrillApi, DrillRunner, timeline
from sensors.api import BackendClient
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.broker import EmbeddedBroker
from sensors.buffer import BridgeStore
from sensors.messages import SensorReadingMessage
from tests.conftest import free_port, gql
from tests.drills.setup import (
    ACK,
    DRILL,
    DRILLS,
    FINISH,
    MY_DRILLS,
    RESPOND,
    START,
    mine_with_model,
    plan,
    register_drill_camera,
)
from vision.config import VisionSettings
from vision.worker import VisionWorker

SPEED = 10.0
SCENARIO = """
name: e2e face methane
duration_s: 130
people:
  - {area: WF1, count: 6, speed_m_s: 5, reaction_s: 5}
  - {area: HEAD1, count: 2, speed_m_s: 5, reaction_s: 5}
permits:
  - {kind: HOT_WORK, area: WF1, description: welding at the face}
events:
  - {id: gas, at_s: 5, kind: METHANE_RISE, area: WF1, rate_m3_s: 0.4, ramp_s: 10}
  - {id: down, at_s: 20, kind: PERSON_DOWN, camera: CAM-WF1}
responses:
  - {kind: ALARM, after: gas, within_s: 40}
  - {kind: POWER_CUT, after: gas, within_s: 50}
  - {kind: ACKNOWLEDGE, after: gas, within_s: 110, role: SAFETY_OFFICER}
  - {kind: EVACUATE, after: gas, within_s: 115}
  - {kind: PERMITS_SUSPENDED, after: gas, within_s: 110}
  - {kind: HAZARD_OPENED, after: gas, within_s: 60}
  - {kind: ALARM, after: down, within_s: 60}
"""


async def _wait(predicate, within_s: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


def _watch(port: int, topic: str) -> tuple[mqtt.Client, list[tuple[str, dict]]]:
    seen: list[tuple[str, dict]] = []
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    client.on_message = lambda c, u, m: seen.append((m.topic, json.loads(m.payload)))
    subscribed = threading.Event()
    client.on_subscribe = lambda *a: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    client.subscribe(topic, 1)
    assert subscribed.wait(5)
    return client, seen


async def test_a_drill_end_to_end_alongside_production(client: httpx.AsyncClient, make_mine, live_server, platform,
                                                       tmp_path: Path) -> None:
    mine, areas = await mine_with_model(client, make_mine, platform)
    await register_drill_camera(client, mine, areas["WF1"])
    planned = await plan(client, mine, SCENARIO, speed=SPEED,
                         participants=[{"userId": mine.user_id("team_leader"), "task": "下令撤人 order withdrawal"}])
    assert planned["__typename"] == "Drill", planned

    port = free_port()
    broker = EmbeddedBroker(port)
    broker.start()
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    config = BackendClient(live_server.url, token).fetch_config()
    bridge = SensorBridge(config=config, store=BridgeStore(tmp_path / "bridge.sqlite"),
                          backend=BackendClient(live_server.url, token),
                          options=BridgeOptions(mqtt_port=port, client_id=f"drill-{uuid.uuid4().hex[:8]}",
                                                flush_interval_s=0.1, backoff_min_s=0.2, backoff_max_s=1.0))
    bridge.start()
    real_watch, real_commands = _watch(port, f"minesafe/{bridge.mine}/control/#")
    drill_watch, drill_commands = _watch(port, f"minesafe/{bridge.mine}/drills/+/control/#")
    production = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    production.connect("127.0.0.1", port)
    production.loop_start()
    # the real vision worker takes the drill's camera video from the queue
    worker = VisionWorker(VisionSettings(api_url=live_server.url + "/graphql", poll_seconds=0.2,
                                         device_token=mine.device_tokens[DeviceKind.VISION_WORKER],
                                         work_dir=tmp_path / "vision", cache_dir=tmp_path / "models"))
    watching = threading.Thread(target=worker.run, daemon=True)
    watching.start()
    try:
        assert bridge.connected.wait(10)
        started = (await gql(client, START, {"id": planned["id"]}, token=mine.token("safety_officer")))["startDrill"]
        assert started["state"] == "RUNNING"
        # the worker plays what the backend checked, as `minesafe drills run` reads it
        drill = (await gql(client, DRILL, {"id": planned["id"]}, token=mine.token("safety_officer")))["drill"]
        network = network_from_document(json.loads(drill["network"]))
        scenario = scenario_from_document(json.loads(drill["scenarioDocument"]))
        runner = DrillRunner(timeline=timeline(network, scenario), mine=bridge.mine,
                             drill_id=planned["id"], drill_code=planned["code"], speed=SPEED,
                             api=DrillApi(live_server.url, mine.token("safety_officer")), mqtt_port=port, poll_s=2.0)
        run = asyncio.create_task(asyncio.to_thread(runner.run,
                                                    started_at=datetime.fromisoformat(started["startedAt"])))

        # production goes on: the real face sensor reads normal values on its real topic all along
        async def produce() -> None:
            i = 0
            while not run.done():
                message = SensorReadingMessage(value=0.31 + (i % 3) / 100, ts=datetime.now(UTC))
                production.publish(reading_topic(bridge.mine, "WF1-CH4-01"), message.model_dump_json(), qos=1)
                i += 1
                await asyncio.sleep(0.5)

        producing = asyncio.create_task(produce())

        async def drill_alert() -> Alert | None:
            async with platform.session_factory() as session:
                return await session.scalar(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                                Alert.drill_id.is_not(None),
                                                                Alert.source == "SENSOR"))

        assert await _wait(lambda: drill_alert(), within_s=8)
        alert = await drill_alert()
        assert alert is not None and alert.title.startswith("[演练 DRILL]")
        acked = (await gql(client, ACK, {"i": {"alertId": str(alert.id), "verdict": "CONFIRMED"}},
                           token=mine.token("safety_officer")))["acknowledgeAlert"]
        assert acked == {"__typename": "Alert", "id": str(alert.id), "isDrill": True}
        responded = (await gql(client, RESPOND, {"d": planned["id"], "k": "EVACUATION_ORDERED"},
                               token=mine.token("team_leader")))["reportDrillResponse"]
        assert responded["__typename"] == "DrillEventRecorded"
        # permits are suspended by the interlock, never reported by hand
        refused = (await gql(client, RESPOND, {"d": planned["id"], "k": "PERMITS_SUSPENDED"},
                             token=mine.token("team_leader")))["reportDrillResponse"]
        assert refused["__typename"] == "ValidationFailed"
        record = await run
        await producing
        bridge.flush()
        assert await _wait(lambda: asyncio.sleep(0, bridge.store.pending_count() == 0), within_s=15)
    finally:
        worker.stop()
        watching.join(30)
        bridge.stop()
        for c in (real_watch, drill_watch, production):
            c.loop_stop()
            c.disconnect()
        broker.stop()

    assert record.evacuation_ordered_s is not None and len(record.arrivals) == 6 and record.vision_events == 1
    assert record.passages["WF1-1"][0][1] == "WF1" and record.passages["WF1-1"][-1][1] in ("REFUGE", "SHAFT")
    # the simulated people went through the bridge's sighting rules into the drill's positioning only
    assert bridge.stats["drill_sightings_in"] == record.sightings >= 8 + 6 and bridge.stats["sightings_in"] == 0
    async with platform.session_factory() as session:
        located = {p.tag_code: p for p in await session.scalars(select(DrillPosition))
                   if p.drill_id == uuid.UUID(planned["id"])}
        assert await session.scalar(select(PersonPosition).where(PersonPosition.mine_id == mine.mine_id)) is None
    assert sorted(located) == sorted([f"WF1-{n}" for n in range(1, 7)] + ["HEAD1-1", "HEAD1-2"])
    assert all(p.start_area == "WF1" and p.safe_at is not None and p.area in ("REFUGE", "SHAFT")
               for tag, p in located.items() if tag.startswith("WF1"))
    assert located["HEAD1-1"].area == "HEAD1" and located["HEAD1-1"].safe_at is None  # not downstream: stays
    # never a real power cut: the real control topics saw nothing; the drill's own saw the cut
    assert real_commands == []
    assert [c["action"] for _, c in drill_commands][:1] == ["CUT"]
    assert all(topic.startswith(f"minesafe/{bridge.mine}/drills/{planned['code']}/control/") for topic, _ in
               drill_commands)
    assert bridge.stats["drill_control_cut"] >= 1 and bridge.stats["control_cut"] == 0

    finished = (await gql(client, FINISH, {"id": planned["id"]}, token=mine.token("safety_officer")))["finishDrill"]
    assert finished["state"] == "FINISHED", finished
    results = {(r["kind"], r["after"]): r for r in finished["results"]}
    for key in [("ALARM", "gas"), ("POWER_CUT", "gas"), ("ACKNOWLEDGE", "gas"), ("EVACUATE", "gas"),
                ("PERMITS_SUSPENDED", "gas"), ("ALARM", "down")]:
        assert results[key]["met"], results[key]
    assert results[("ACKNOWLEDGE", "gas")]["who"] == "safety officer"
    assert results[("PERMITS_SUSPENDED", "gas")]["who"] == "permits interlock (HOT_WORK)"
    assert results[("EVACUATE", "gas")]["who"] == "6 people"  # those of WF1 (HEAD1 is not downstream of WF1)
    assert results[("ALARM", "down")]["who"] == "camera"  # through the vision queue and the real worker
    hazard = results[("HAZARD_OPENED", "gas")]  # the vision policy's hazard answers the person down, not the gas
    assert not hazard["met"] and hazard["note"] == "missed" and hazard["seconds"] is None
    assert finished["score"] == round(100 * 6 / 7, 1)
    assert 0 < results[("ALARM", "gas")]["seconds"] <= results[("POWER_CUT", "gas")]["seconds"] + 2
    pdf = await client.get(finished["reportUrl"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

    # drill history and the participant's view
    history = (await gql(client, DRILLS, token=mine.token("mine_manager")))["drills"]
    assert [d["id"] for d in history] == [planned["id"]]
    mine_view = (await gql(client, MY_DRILLS, token=mine.token("team_leader")))["myDrills"]
    assert mine_view[0]["task"].startswith("下令撤人") and mine_view[0]["drill"]["score"] == finished["score"]

    # nothing of the drill leaks into production: no real alert, no KPI count, the sensor's own state and history
    async with platform.session_factory() as session:
        alerts = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id))).all()
        assert alerts and all(a.drill_id is not None for a in alerts)
        day = datetime.now(UTC) - timedelta(days=1)
        assert await kpi_service.alert_facts(session=session, mine_id=mine.mine_id, raised_from=day,
                                             raised_to=None) == []
        sensor = await session.scalar(select(Sensor).where(Sensor.mine_id == mine.mine_id,
                                                           Sensor.code == "WF1-CH4-01"))
        assert sensor is not None and not sensor.power_cut and sensor.level.value == "NORMAL"
        values = (await session.scalars(select(SensorReading.value).where(SensorReading.sensor_id == sensor.id)
                                        .order_by(SensorReading.ts))).all()
    assert len(values) >= 10 and set(values) <= {0.31, 0.32, 0.33}  # the production readings only
