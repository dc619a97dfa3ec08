"""Permit interlock benchmark: a methane alarm on MQTT → sensor bridge → backend → permit SUSPENDED.

    /work/wt/wpy bench/permits_interlock.py [--samples 20] [--postgres]

Set-up (not timed): a fresh database (SQLite, or `--postgres`) with one mine, one working face, 300 CH4 sensors
there plus a TRIP sensor, the people of a hot-work permit (applied, approved, gas-tested and started through the
real flows, the guardian and crew placed in the area) and a live uvicorn backend in this process. The real
sensor bridge (its own GraphQL client and outbox) runs here too, on the real Mosquitto; 300 readings every 2 s
keep the ingest path busy, and with a live permit in the area every batch also runs the reading check.

Each sample publishes one TRIP reading over the alarm threshold on MQTT and times, from that publish:
  * the sensor alert's RAISED event on the `alerts` subscription (the alerting path as it was: the baseline);
  * the `permit.suspended` event on the `permitEvents` subscription (what the guardian's app sees).
Two arms alternate sample by sample (ABAB…):
  inline — `alerts.flows.raise_alert` calls the interlock in the alarm's own transaction (what ships);
  bus    — the inline alert hook off; a subscriber to the mine's alert channel suspends after the alarm committed.
Between samples (not timed) the alarm clears and the permit is put back to ACTIVE.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch_postgres import scratch_postgres  # noqa: E402  (this folder is on the path)

from backend.accounts import service as accounts_service  # noqa: E402
from backend.accounts.models import DeviceKind, User  # noqa: E402
from backend.accounts.roles import Role  # noqa: E402
from backend.accounts.security import hash_password, issue_access_token  # noqa: E402
from backend.alerts import flows as alert_flows  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.org import service as org_service  # noqa: E402
from backend.org.models import AreaKind  # noqa: E402
from backend.permits import flows as permit_flows  # noqa: E402
from backend.permits import interlock  # noqa: E402
from backend.permits.models import Permit  # noqa: E402
from backend.permits.rules import GasTestStage, PermitGrade, PermitState  # noqa: E402
from backend.platform import Platform  # noqa: E402
from backend.positioning.models import PersonPosition  # noqa: E402
from backend.sensors import flows as sensor_flows  # noqa: E402
from backend.sensors.models import Sensor  # noqa: E402
from backend.sensors.rules import LocationType, SensorKind  # noqa: E402
from contracts.topics import batch_topic, reading_topic  # noqa: E402
from sensors.api import BackendClient  # noqa: E402
from sensors.bridge import BridgeOptions, SensorBridge  # noqa: E402
from sensors.buffer import BridgeStore  # noqa: E402
from sensors.messages import BatchReading, SensorReadingMessage, SubstationBatchMessage  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.ws_client import subscribe  # noqa: E402

N_SENSORS, PERIOD_S = 300, 2.0
ALERTS = "subscription { alerts { kind alert { sourceRef } } }"
PERMITS = "subscription($id: ID) { permitEvents(permitId: $id) { action permit { state } } }"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]




async def set_up(platform: Platform) -> dict[str, str]:
    """Mine, face, sensors, people, and a started hot-work permit through the real flows."""
    async with platform.session_factory() as session:
        code = f"p{uuid.uuid4().hex[:8]}"
        mine = await org_service.create_mine(session=session, code=code, name="Bench mine")
        face = await org_service.create_area(session=session, mine_id=mine.id, name="Face 1",
                                             kind=AreaKind.WORKING_FACE)
        password = hash_password("bench-password")
        people = {}
        for who, roles in (("leader", [Role.TEAM_LEADER]), ("guardian", [Role.MINER]), ("crew", [Role.MINER]),
                           ("area_manager", [Role.AREA_MANAGER]), ("safety_officer", [Role.SAFETY_OFFICER]),
                           ("mine_manager", [Role.MINE_MANAGER])):
            user = User(mine_id=mine.id, username=f"{who}-{code}", display_name=who, password_hash=password,
                        roles=[r.value for r in roles], area_id=face.id)
            session.add(user)
            people[who] = user
        await session.flush()
        face.manager_id = people["area_manager"].id
        _, bridge_token = await accounts_service.register_device(session=session, mine_id=mine.id, name="bridge",
                                                                 kind=DeviceKind.SENSOR_BRIDGE)
        await sensor_flows.ensure_profiles(session, mine_id=mine.id)
        common = dict(mine_id=mine.id, kind=SensorKind.CH4, unit="%", area_id=face.id,
                      location_type=LocationType.WORKING_FACE, polling_seconds=30.0, physical_min=0.0,
                      physical_max=100.0, stuck_readings=100_000)
        session.add_all([Sensor(code=f"S{i:04d}", **common) for i in range(N_SENSORS)])
        trip = Sensor(code="TRIP", **common)
        session.add(trip)
        now = datetime.now(UTC)
        for who in ("leader", "guardian", "crew"):
            session.add(PersonPosition(user_id=people[who].id, mine_id=mine.id, area_id=face.id, since=now,
                                       last_seen_at=now, tag_code=f"T-{who}", reader_code="R1"))
        await session.commit()
        p = {who: accounts_service.principal_for(user) for who, user in people.items()}
        kinds = {k.code: k for k in await permit_flows.ensure_kinds(session, mine_id=mine.id)}
        permit = await permit_flows.apply(
            session, actor=p["leader"], client_id=uuid.uuid4(), kind_id=kinds["HOT_WORK"].id, grade=PermitGrade.FIRST,
            area_id=face.id, starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=7),
            description="welding a support bracket", work_leader_id=people["leader"].id,
            guardian_id=people["guardian"].id, crew_ids=[people["crew"].id])
        for role in permit.required_roles:
            await permit_flows.approve(session, actor=p[role], permit_id=permit.id, role=Role(role), note=None)
        await permit_flows.record_hand_gas_test(session, actor=p["safety_officer"], permit_id=permit.id,
                                                stage=GasTestStage.START, ch4=0.2, measured_at=now)
        await permit_flows.start(session, actor=p["leader"], permit_id=permit.id)
        await session.commit()
        token = issue_access_token(p["guardian"], secret=platform.settings.secret_key, minutes=60)
        return {"mine_id": str(mine.id), "bridge_token": bridge_token, "token": token, "trip": str(trip.id),
                "permit": str(permit.id)}


async def reset(platform: Platform, ids: dict[str, str]) -> None:
    """Put the permit back to work (not timed): ACTIVE, no reasons, its notice resolved."""
    async with platform.session_factory() as session:
        permit = await session.get(Permit, uuid.UUID(ids["permit"]))
        permit.state, permit.suspend_reasons, permit.suspended_at = PermitState.ACTIVE, [], None
        await alert_flows.resolve_by_key(session, actor=None, mine_id=permit.mine_id,
                                         dedupe_key=f"permit:{permit.id}:suspended", reason="bench reset")
        await session.commit()


def mqtt_client() -> mqtt.Client:
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="minesafe-bench-permits-"))
    url = await scratch_postgres() if args.postgres else f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)

    def settings_for(database_url: str, public_url: str = "http://testserver", **overrides: object) -> Settings:
        return Settings(database_url=database_url, public_url=public_url, store_folder=tmp / "objects",
                        sensor_retain_interval_minutes=0, **overrides)

    local = Platform.from_settings(settings_for(url))
    ids = await set_up(local)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(url, public_url=base))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws="websockets-sansio", lifespan="on"))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
        await asyncio.sleep(0.05)
    # the bus arm's subscriber, in the server's loop and on its bus (here: the same loop, in-process bus)
    watcher = asyncio.create_task(interlock.watch_alerts(app.state.platform, uuid.UUID(ids["mine_id"])))

    client = BackendClient(base, ids["bridge_token"])
    config = await asyncio.to_thread(client.fetch_config)
    bridge = SensorBridge(config=config, store=BridgeStore(tmp / "bridge.sqlite"), backend=client,
                          options=BridgeOptions(client_id=f"bench-{uuid.uuid4().hex[:6]}"))
    bridge.start()
    await asyncio.to_thread(bridge.connected.wait, 10)
    mine = config.mine_code
    pub = mqtt_client()
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            tick = time.perf_counter()
            readings = [BatchReading(sensor_id=f"S{i:04d}", value=0.3, ts=datetime.now(UTC)) for i in range(N_SENSORS)]
            pub.publish(batch_topic(mine, "ss0"), SubstationBatchMessage(readings=readings).model_dump_json(), qos=1)
            stop.wait(max(0.0, PERIOD_S - (time.perf_counter() - tick)))

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    results: dict[str, dict[str, list[float]]] = {a: {"alert": [], "permit": []} for a in ("inline", "bus")}
    seen: dict[str, float] = {}
    arrived = asyncio.Event()
    ws = base.replace("http", "ws") + "/graphql"
    async with subscribe(ws, ALERTS, token=ids["token"]) as alerts, \
            subscribe(ws, PERMITS, {"id": ids["permit"]}, token=ids["token"]) as permits:

        async def follow_alerts() -> None:
            while True:
                event = (await alerts.next(wait_s=3600))["data"]["alerts"]
                if event["kind"] == "RAISED" and event["alert"]["sourceRef"] == ids["trip"]:
                    seen.setdefault("alert", time.perf_counter())
                    if "permit" in seen:
                        arrived.set()

        async def follow_permit() -> None:
            while True:
                event = (await permits.next(wait_s=3600))["data"]["permitEvents"]
                if event["action"] == "permit.suspended":
                    seen.setdefault("permit", time.perf_counter())
                    if "alert" in seen:
                        arrived.set()

        followers = [asyncio.create_task(follow_alerts()), asyncio.create_task(follow_permit())]
        await asyncio.sleep(1.0)
        for i in range(args.samples * 2):
            arm = "inline" if i % 2 == 0 else "bus"
            interlock.INLINE_ALERT_HOOK = arm == "inline"
            seen.clear()
            arrived.clear()
            sent = time.perf_counter()
            pub.publish(reading_topic(mine, "TRIP"), SensorReadingMessage(value=1.2, ts=datetime.now(UTC))
                        .model_dump_json(), qos=1)
            try:
                await asyncio.wait_for(arrived.wait(), 30)
            except TimeoutError as error:
                raise RuntimeError(f"sample {i} ({arm}) timed out: {seen}") from error
            results[arm]["alert"].append((seen["alert"] - sent) * 1000)
            results[arm]["permit"].append((seen["permit"] - sent) * 1000)
            pub.publish(reading_topic(mine, "TRIP"), SensorReadingMessage(value=0.3, ts=datetime.now(UTC))
                        .model_dump_json(), qos=1)
            await asyncio.sleep(0.8)
            await reset(local, ids)
            await asyncio.sleep(0.3)
        for task in followers:
            task.cancel()
    interlock.INLINE_ALERT_HOOK = True
    stop.set()
    await asyncio.to_thread(loader.join)
    await asyncio.to_thread(bridge.stop)
    pub.disconnect()
    watcher.cancel()
    server.should_exit = True
    await serving
    await local.close()
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{db}; {args.samples} samples per arm, alternated; {N_SENSORS} sensors every {PERIOD_S:.0f} s as load")
    for arm in ("inline", "bus"):
        a, p = results[arm]["alert"], results[arm]["permit"]
        print(f"{arm:6s}: alarm → alert RAISED p50 {statistics.median(a):.0f} ms p99 {pct(a, 0.99):.0f} ms | "
              f"alarm → permit SUSPENDED p50 {statistics.median(p):.0f} ms p99 {pct(p, 0.99):.0f} ms "
              f"(max {max(p):.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--postgres", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
