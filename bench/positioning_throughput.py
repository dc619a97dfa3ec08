"""Positioning benchmark: Mosquitto → bridge → live backend, 5,000 tags sighted every 2 s.

    .venv/bin/python bench/positioning_throughput.py [--seconds 60] [--postgres]

Set-up (not timed): a fresh database (SQLite by default, `--postgres` for PostgreSQL) with one mine of 10
districts × 5 areas (two readers each, 100 readers), 5,000 people each holding a tag, a CH4 sensor TRIP in
the first area, a sensor-bridge device and a safety officer. The backend runs as its own uvicorn process
(`minesafe serve`); the bridge (sensors.bridge, its GraphQL client, outbox on disk) and the load run in this
process against the real Mosquitto.

1. Stored throughput: every 2 s each reader publishes the tags it sees (50 each; 1 % of the people step to a
   neighbouring area each cycle, so positions, stays and presence events move too): sightings/s the backend
   stored (sum of `position_batches.stored`, until the bridge's outbox is empty) next to a bare paho subscriber
   on the same broker in the same run (sightings/s it received), and the ratio.
2. Alarm → evacuation list under that load: every 2 s TRIP crosses its alarm threshold (and goes back, which
   resolves the alert); time from the MQTT publish of the crossing reading to the RAISED event on the GraphQL
   `alerts` subscription carrying the alert's evacuation list (the ~500 people of the alarm's district),
   p50 / p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.accounts import service as accounts_service  # noqa: E402
from backend.accounts.models import DeviceKind, User  # noqa: E402
from backend.accounts.roles import Role  # noqa: E402
from backend.accounts.security import hash_password, issue_access_token  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.org import service as org_service  # noqa: E402
from backend.org.models import Area, AreaKind  # noqa: E402
from backend.platform import Platform  # noqa: E402
from backend.positioning.models import Reader, SightingBatch, TagIssue  # noqa: E402
from backend.sensors import flows as sensor_flows  # noqa: E402
from backend.sensors.models import Sensor  # noqa: E402
from backend.sensors.rules import LocationType, SensorKind  # noqa: E402
from bench.sensors_alert_latency import fresh_postgres, mqtt_client, pct, start_backend  # noqa: E402
from contracts.topics import reading_topic, sighting_topic  # noqa: E402
from sensors.api import BackendClient  # noqa: E402
from sensors.bridge import BridgeOptions, SensorBridge  # noqa: E402
from sensors.buffer import BridgeStore  # noqa: E402
from sensors.messages import ReaderSightingMessage, SensorReadingMessage, TagSighting  # noqa: E402
from tests.ws_client import subscribe  # noqa: E402

DISTRICTS, AREAS_PER_DISTRICT, READERS_PER_AREA, TAGS, PERIOD_S = 10, 5, 2, 5000, 2.0
N_AREAS = DISTRICTS * AREAS_PER_DISTRICT
SUBSCRIPTION = "subscription { alerts { kind alert { sourceRef title evacuation { total remaining } } } }"


async def set_up(settings: Settings) -> dict[str, str]:
    """The mine, its areas, readers, people and tags (rows inserted directly: set-up, not the measured path)."""
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            code = f"p{uuid.uuid4().hex[:8]}"
            mine = await org_service.create_mine(session=session, code=code, name="Bench mine")
            mine.settings = {"positioning": {"metres_per_map_unit": 0.5}}  # neighbours 5 m apart: no jumps
            areas = []
            for d in range(DISTRICTS):
                district = Area(mine_id=mine.id, name=f"D{d}", kind=AreaKind.DISTRICT, map_x=d * 1000.0, map_y=0.0)
                session.add(district)
                await session.flush()
                for a in range(AREAS_PER_DISTRICT):
                    areas.append(Area(mine_id=mine.id, name=f"D{d}-A{a}", kind=AreaKind.ROADWAY, parent_id=district.id,
                                      map_x=d * 1000.0 + a * 10.0, map_y=0.0))
            session.add_all(areas)
            await session.flush()
            session.add_all([Reader(mine_id=mine.id, code=f"R{i:02d}-{r}", area_id=area.id)
                             for i, area in enumerate(areas) for r in range(READERS_PER_AREA)])
            password = hash_password("bench-password")
            people = [User(mine_id=mine.id, username=f"w{i:05d}-{code}", display_name=f"worker {i}",
                           password_hash=password, roles=[Role.MINER.value]) for i in range(TAGS)]
            officer = User(mine_id=mine.id, username=f"officer-{code}", display_name="officer",
                           password_hash=password, roles=[Role.SAFETY_OFFICER.value])
            session.add_all([*people, officer])
            await session.flush()
            session.add_all([TagIssue(mine_id=mine.id, tag_code=f"T{i:05d}", user_id=p.id, issued_at=datetime.now(UTC))
                             for i, p in enumerate(people)])
            _, token = await accounts_service.register_device(session=session, mine_id=mine.id, name="bridge",
                                                              kind=DeviceKind.SENSOR_BRIDGE)
            await sensor_flows.ensure_profiles(session, mine_id=mine.id)
            trip = Sensor(mine_id=mine.id, code="TRIP", kind=SensorKind.CH4, unit="%", area_id=areas[0].id,
                          location_type=LocationType.WORKING_FACE, polling_seconds=30.0, physical_min=0.0,
                          physical_max=100.0, stuck_readings=100_000)
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
            return int(await session.scalar(select(func.coalesce(func.sum(SightingBatch.stored), 0))) or 0)
    finally:
        await platform.close()


def drain(bridge: SensorBridge) -> None:
    time.sleep(0.05)
    bridge.flush()
    while bridge.store.pending_count():
        time.sleep(0.02)


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="minesafe-bench-positioning-"))
    url = await fresh_postgres() if args.postgres else f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    settings = Settings(database_url=url, store_folder=tmp / "objects")
    await asyncio.to_thread(upgrade, url)
    ids = await set_up(settings)
    port = 19000 + os.getpid() % 1000
    backend = start_backend(settings, port, tmp / "backend.log")
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
    bare_sub.on_message = lambda c, u, m: bare.__setitem__(0, bare[0] + len(json.loads(m.payload)["sightings"]))
    bare_sub.subscribe(f"minesafe/{mine}/position/+/sighting", 1)
    pub = mqtt_client()
    await asyncio.sleep(0.5)

    rng = random.Random(7)
    where = [i % N_AREAS for i in range(TAGS)]  # tag → area index
    stop = threading.Event()
    published = [0]

    def load() -> None:
        while not stop.is_set():
            tick = time.perf_counter()
            for _ in range(TAGS // 100):  # 1 % step to a neighbour within their district
                tag = rng.randrange(TAGS)
                area = where[tag]
                district, index = divmod(area, AREAS_PER_DISTRICT)
                step = 1 if index == 0 else -1 if index == AREAS_PER_DISTRICT - 1 else rng.choice((-1, 1))
                where[tag] = district * AREAS_PER_DISTRICT + index + step
            ts = datetime.now(UTC)
            by_reader: dict[str, list[TagSighting]] = {}
            for tag, area in enumerate(where):
                by_reader.setdefault(f"R{area:02d}-{tag % READERS_PER_AREA}", []).append(
                    TagSighting(tag=f"T{tag:05d}", ts=ts))
            for reader, tags in by_reader.items():
                body = ReaderSightingMessage(sightings=tags).model_dump_json()
                pub.publish(sighting_topic(mine, reader), body, qos=1)
                published[0] += len(tags)
            stop.wait(max(0.0, PERIOD_S - (time.perf_counter() - tick)))

    sent: dict[str, float] = {}
    latencies: list[float] = []
    sizes: list[int] = []
    backlog: list[int] = []
    start_count = await stored_count(settings)
    async with subscribe(base.replace("http", "ws") + "/graphql", SUBSCRIPTION, token=ids["officer_token"]) as sub:

        async def receive() -> None:
            while True:
                payload = await sub.next(wait_s=3600)
                event = payload["data"]["alerts"]
                alert = event["alert"]
                if event["kind"] == "RAISED" and alert["sourceRef"] == ids["trip"] and alert["evacuation"]:
                    value = f"{float(alert['title'].rsplit(' ', 2)[-2]):.3f}"
                    if value in sent:
                        latencies.append((time.perf_counter() - sent.pop(value)) * 1000)
                        sizes.append(alert["evacuation"]["total"])

        receiver = asyncio.create_task(receive())
        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        await asyncio.sleep(PERIOD_S * 2)  # everyone placed before the first alarm
        started = time.perf_counter()
        bare_start, stored_start = bare[0], await stored_count(settings)
        i = 0
        while time.perf_counter() - started < args.seconds:
            value = f"{1.2 + (i % 200) / 1000:.3f}"  # alarm ≥ 1.0, below the 1.5 power cut
            sent[value] = time.perf_counter()
            pub.publish(reading_topic(mine, "TRIP"), SensorReadingMessage(value=float(value), ts=datetime.now(UTC))
                        .model_dump_json(), qos=1)
            await asyncio.sleep(1.0)
            pub.publish(reading_topic(mine, "TRIP"), SensorReadingMessage(value=0.4, ts=datetime.now(UTC))
                        .model_dump_json(), qos=1)
            await asyncio.sleep(1.0)
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
    stored = await stored_count(settings) - stored_start
    bridge.stop()
    for c in (pub, bare_sub):
        c.disconnect()
    backend.terminate()
    backend.wait(10)
    total_stored = await stored_count(settings) - start_count

    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{db}, {args.seconds:.0f} s at {TAGS} tags / {PERIOD_S:.0f} s ({N_AREAS} areas, "
          f"{N_AREAS * READERS_PER_AREA} readers): published {published[0]} sightings, stored {total_stored} in all")
    print(f"stored by the backend: {stored} sightings in {drained_s:.1f} s → {stored / drained_s:,.0f}/s "
          f"(over the load window alone {stored / load_s:,.0f}/s); bare subscriber {bare_rate:,.0f}/s; "
          f"ratio {stored / drained_s / bare_rate:.2f}; outbox backlog max {max(backlog)} batches, "
          f"drained {drained_s - load_s:.1f} s after the load stopped")
    if latencies:
        print(f"alarm → evacuation list (publish → RAISED with its evacuation on the alerts subscription): "
              f"n={len(latencies)} of {i}, p50 {statistics.median(latencies):.0f} ms, "
              f"p99 {pct(latencies, 0.99):.0f} ms, "
              f"max {max(latencies):.0f} ms; list size {min(sizes)}–{max(sizes)} people")
    else:
        print(f"alarm → evacuation list: no RAISED event with an evacuation list arrived ({i} alarms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--postgres", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
