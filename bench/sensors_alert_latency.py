"""Sensor path benchmark: Mosquitto → bridge → live backend → `alerts` subscription.

    .venv/bin/python bench/sensors_alert_latency.py [--seconds 60] [--postgres]

Set-up (not timed): a fresh database (SQLite by default, `--postgres` for PostgreSQL) with one mine,
3,000 CH4 sensors in 30 power zones plus a TRIP sensor, a sensor-bridge device and a safety officer.
The backend runs as its own uvicorn process (`minesafe serve`); the bridge (sensors.bridge, its own
GraphQL client, outbox on disk) and the load run in this process against the real Mosquitto.

1. Stored throughput at 3,000 sensors every 2 s (30 substation batches of 100 readings each 2 s, i.e.
   1,500 readings/s): readings/s that the backend stored (rows in sensor_readings over the run, until
   the bridge's outbox is empty) next to a bare paho subscriber on the same broker in the same run
   (readings/s it received), and the ratio.
2. Alert latency under that load: every second the TRIP sensor crosses its alarm threshold (and goes back,
   which resolves the alert); time from the MQTT publish of the crossing reading to the RAISED event on
   the GraphQL `alerts` subscription (graphql-transport-ws, as the app sees it), p50 / p99.
3. Capacity: --burst substation batches (default 300 × 100 readings) published at once after the run; the
   bare subscriber's rate and the rate at which they end stored in the backend, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch_postgres import scratch_postgres  # noqa: E402  (this folder is on the path)

from backend.accounts import service as accounts_service  # noqa: E402
from backend.accounts.models import DeviceKind, User  # noqa: E402
from backend.accounts.roles import Role  # noqa: E402
from backend.accounts.security import hash_password, issue_access_token  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.org import service as org_service  # noqa: E402
from backend.org.models import AreaKind  # noqa: E402
from backend.platform import Platform  # noqa: E402
from backend.sensors import flows as sensor_flows  # noqa: E402
from backend.sensors.models import PowerZone, Sensor, SensorReading  # noqa: E402
from backend.sensors.rules import LocationType, SensorKind  # noqa: E402
from contracts.topics import batch_topic, reading_topic  # noqa: E402
from sensors.api import BackendClient  # noqa: E402
from sensors.bridge import BridgeOptions, SensorBridge  # noqa: E402
from sensors.buffer import BridgeStore  # noqa: E402
from sensors.messages import BatchReading, SensorReadingMessage, SubstationBatchMessage  # noqa: E402
from tests.ws_client import subscribe  # noqa: E402

N_SENSORS, STATIONS, PERIOD_S = 3000, 30, 2.0
SUBSCRIPTION = "subscription { alerts { kind alert { title sourceRef } } }"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]




async def set_up(settings: Settings) -> dict[str, str]:
    """One mine with 3,000 sensors + TRIP (rows inserted directly: set-up, not the measured path)."""
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            code = f"b{uuid.uuid4().hex[:8]}"
            mine = await org_service.create_mine(session=session, code=code, name="Bench mine")
            area = await org_service.create_area(session=session, mine_id=mine.id, name="Face",
                                                 kind=AreaKind.WORKING_FACE)
            officer = User(mine_id=mine.id, username=f"officer-{code}", display_name="officer",
                           password_hash=hash_password("bench-password"), roles=[Role.SAFETY_OFFICER.value])
            session.add(officer)
            _, token = await accounts_service.register_device(session=session, mine_id=mine.id, name="bridge",
                                                              kind=DeviceKind.SENSOR_BRIDGE)
            await sensor_flows.ensure_profiles(session, mine_id=mine.id)
            zones = [PowerZone(mine_id=mine.id, name=f"z{i}", equipment=[]) for i in range(STATIONS + 1)]
            session.add_all(zones)
            await session.flush()
            # published every 2 s, registered with the 30 s polling period AQ 6201 allows: the pause between
            # the run and the burst must not make 3,000 sensors silent (3,000 fault alerts, then 3,000 resolved)
            common = dict(mine_id=mine.id, kind=SensorKind.CH4, unit="%", area_id=area.id,
                          location_type=LocationType.WORKING_FACE, polling_seconds=30.0, physical_min=0.0,
                          physical_max=100.0, stuck_readings=100_000)
            session.add_all([Sensor(code=f"S{i:05d}", power_zone_id=zones[i // 100].id, **common)
                             for i in range(N_SENSORS)])
            trip = Sensor(code="TRIP", power_zone_id=zones[-1].id, **common)
            session.add(trip)
            await session.commit()
            officer_token = issue_access_token(accounts_service.principal_for(officer), secret=settings.secret_key,
                                               minutes=60)
            return {"mine": code, "bridge_token": token, "officer_token": officer_token, "trip": str(trip.id)}
    finally:
        await platform.close()


async def stored_count(settings: Settings) -> int:
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            return int(await session.scalar(select(func.count()).select_from(SensorReading)) or 0)
    finally:
        await platform.close()


def start_backend(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MINESAFE_DATABASE_URL": settings.database_url, "MINESAFE_STORE_FOLDER":
           str(settings.store_folder), "MINESAFE_SENSOR_RETAIN_INTERVAL_MINUTES": "0"}
    minesafe = shutil.which("minesafe", path=str(Path(sys.executable).parent)) or "minesafe"
    process = subprocess.Popen([minesafe, "serve", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"backend did not start; see {log}")


def drain(bridge: SensorBridge) -> None:
    """Until the bridge holds nothing more for the backend."""
    time.sleep(0.05)  # the last MQTT deliveries
    bridge.flush()
    while bridge.store.pending_count():
        time.sleep(0.02)


def mqtt_client() -> mqtt.Client:
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


async def live_backend(*, postgres: bool, tmp: Path, port: int) -> tuple[Settings, dict[str, str],
                                                                        subprocess.Popen[bytes]]:
    """A fresh database (in tmp, or PostgreSQL) with the benchmark's mine, served on port by its own process."""
    url = await scratch_postgres() if postgres else f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    settings = Settings(database_url=url, store_folder=tmp / "objects")
    await asyncio.to_thread(upgrade, url)
    ids = await set_up(settings)
    return settings, ids, start_backend(settings, port, tmp / "backend.log")


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="minesafe-bench-sensors-"))
    port = 18000 + os.getpid() % 1000
    settings, ids, backend = await live_backend(postgres=args.postgres, tmp=tmp, port=port)
    base = f"http://127.0.0.1:{port}"
    client = BackendClient(base, ids["bridge_token"])
    config = client.fetch_config()
    bridge = SensorBridge(config=config, store=BridgeStore(tmp / "bridge.sqlite"), backend=client,
                          options=BridgeOptions(client_id=f"bench-{ids['mine']}"))
    bridge.start()
    bridge.connected.wait(10)
    mine = config.mine_code

    bare = [0]
    bare_sub = mqtt_client()
    bare_sub.on_message = lambda c, u, m: bare.__setitem__(0, bare[0] + len(json.loads(m.payload)["readings"]))
    bare_sub.subscribe(f"minesafe/{mine}/substations/+/batch", 1)
    pub = mqtt_client()
    await asyncio.sleep(0.5)

    stop = threading.Event()
    published = [0]

    def load() -> None:
        cycle = 0
        while not stop.is_set():
            tick = time.perf_counter()
            ts = datetime.now(UTC)
            for station in range(STATIONS):
                readings = [BatchReading(sensor_id=f"S{station * 100 + i:05d}", value=0.30 + (cycle % 5) / 100, ts=ts)
                            for i in range(100)]
                pub.publish(batch_topic(mine, f"ss{station}"), SubstationBatchMessage(readings=readings)
                            .model_dump_json(), qos=1)
                published[0] += 100
            cycle += 1
            stop.wait(max(0.0, PERIOD_S - (time.perf_counter() - tick)))

    sent: dict[str, float] = {}
    latencies: list[float] = []
    backlog: list[int] = []
    start_count = await stored_count(settings)
    async with subscribe(base.replace("http", "ws") + "/graphql", SUBSCRIPTION, token=ids["officer_token"]) as sub:

        async def receive() -> None:
            while True:
                payload = await sub.next(wait_s=3600)
                event = payload["data"]["alerts"]
                if event["kind"] == "RAISED" and event["alert"]["sourceRef"] == ids["trip"]:
                    value = f"{float(event['alert']['title'].rsplit(' ', 2)[-2]):.3f}"  # the title says 1.2 for 1.200
                    if value in sent:
                        latencies.append((time.perf_counter() - sent.pop(value)) * 1000)

        receiver = asyncio.create_task(receive())
        loader = threading.Thread(target=load, daemon=True)
        started = time.perf_counter()
        bare_start = bare[0]
        loader.start()
        i = 0
        while time.perf_counter() - started < args.seconds:
            await asyncio.sleep(0.5)
            ts = datetime.now(UTC)
            value = f"{1.2 + (i % 200) / 1000:.3f}"  # alarm ≥ 1.0, below the 1.5 power cut
            sent[value] = time.perf_counter()
            pub.publish(reading_topic(mine, "TRIP"), SensorReadingMessage(value=float(value), ts=ts)
                        .model_dump_json(), qos=1)
            await asyncio.sleep(0.5)
            pub.publish(reading_topic(mine, "TRIP"), SensorReadingMessage(value=0.4, ts=datetime.now(UTC))
                        .model_dump_json(), qos=1)
            backlog.append(bridge.store.pending_count())
            i += 1
        stop.set()
        loader.join()
        load_s = time.perf_counter() - started
        bare_rate = (bare[0] - bare_start) / load_s
        await asyncio.to_thread(drain, bridge)
        drained_s = time.perf_counter() - started
        await asyncio.sleep(1.5)
        receiver.cancel()
    stored = await stored_count(settings) - start_count
    burst = await burst_capacity(args.burst, settings, pub, bare, mine) if args.burst else None
    bridge.stop()
    for c in (pub, bare_sub):
        c.disconnect()
    backend.terminate()
    backend.wait(10)

    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{db}, {args.seconds:.0f} s at {N_SENSORS} sensors / {PERIOD_S:.0f} s: published {published[0]} readings")
    print(f"stored by the backend: {stored} readings in {drained_s:.1f} s → {stored / drained_s:,.0f}/s "
          f"(over the load window alone {stored / load_s:,.0f}/s); bare subscriber {bare_rate:,.0f}/s; "
          f"ratio {stored / drained_s / bare_rate:.2f}; outbox backlog max {max(backlog)} batches, "
          f"drained {drained_s - load_s:.1f} s after the load stopped")
    print(f"alert latency (publish → RAISED on the alerts subscription): n={len(latencies)} "
          f"p50 {statistics.median(latencies):.0f} ms, p99 {pct(latencies, 0.99):.0f} ms, max {max(latencies):.0f} ms")
    if burst:
        total, bare_s, stored_s = burst
        print(f"burst capacity: {total} readings published at once; bare subscriber {total / bare_s:,.0f}/s, stored "
              f"by the backend {total / stored_s:,.0f}/s, ratio {bare_s / stored_s:.2f}")
    for zone in ["z30", *(f"z{i}" for i in range(STATIONS))]:  # leave no retained bench commands behind
        cleaner = mqtt_client()
        cleaner.publish(f"minesafe/{mine}/control/{zone}", b"", qos=1, retain=True).wait_for_publish(5)
        cleaner.disconnect()


async def burst_capacity(batches: int, settings: Settings, pub: mqtt.Client, bare: list[int],
                         mine: str) -> tuple[int, float, float]:
    """Publish `batches` substation batches of 100 at once: how fast the bare subscriber gets them, and how
    fast they end stored in the backend (the bridge forwards what each 0.2 s flush gathered, one call each)."""
    total = batches * 100
    before_stored, before_bare = await stored_count(settings), bare[0]
    base = datetime.now(UTC)
    payloads = []
    for b in range(batches):
        ts = base + timedelta(milliseconds=b // STATIONS + 1)
        station = b % STATIONS
        readings = [BatchReading(sensor_id=f"S{station * 100 + i:05d}", value=0.33, ts=ts) for i in range(100)]
        body = SubstationBatchMessage(readings=readings).model_dump_json()
        payloads.append((batch_topic(mine, f"ss{station}"), body))
    started = time.perf_counter()
    for topic, payload in payloads:
        pub.publish(topic, payload, qos=1)
    bare_s = stored_s = 0.0
    while time.perf_counter() - started < 300 and not (bare_s and stored_s):
        await asyncio.sleep(0.05)
        if not bare_s and bare[0] - before_bare >= total:
            bare_s = time.perf_counter() - started
        if not stored_s and await stored_count(settings) - before_stored >= total:
            stored_s = time.perf_counter() - started
    return total, bare_s, stored_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--burst", type=int, default=300, help="substation batches for the capacity burst (0: none)")
    parser.add_argument("--postgres", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
