"""Sensor bridge benchmark on the real Mosquitto (127.0.0.1:1883).

1. Throughput: N substation batches (100 readings each) blasted at once; readings/s until the bridge
   has written them all to its on-disk outbox, next to a bare paho subscriber on the same broker
   in the same run (the ratio).
2. Control latency at 3,000 sensors every 2 s (30 substations × 100 sensors): a methane sensor
   crosses the power-cut threshold every 0.5 s; time from its publish to the retained control
   command arriving on MQTT, p50 / p99.

Usage: .venv/bin/python bench/sensors_throughput.py [--batches 600] [--cycles 10]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt

from contracts.sensors import PHYSICAL_RANGE, LocationType, SensorKind
from contracts.topics import batch_topic, reading_topic
from sensors.api import BridgeConfig
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.messages import BatchReading, SensorReadingMessage, SubstationBatchMessage
from sensors.rules import SensorConfig, default_thresholds

MINE = f"bench{uuid.uuid4().hex[:6]}"


def config(n_sensors: int) -> BridgeConfig:
    low, high = PHYSICAL_RANGE[SensorKind.CH4]
    sensors = [
        SensorConfig(sensor_id=f"S{i:05d}", kind=SensorKind.CH4, location_type=LocationType.WORKING_FACE,
                     power_zone=f"z{i // 100}", polling_seconds=2.0, physical_min=low, physical_max=high,
                     stuck_readings=10_000, thresholds=default_thresholds(SensorKind.CH4, LocationType.WORKING_FACE))
        for i in range(n_sensors)
    ]
    sensors.append(sensors[0].model_copy(update={"sensor_id": "TRIP", "power_zone": "trip"}))
    return BridgeConfig(mine_code=MINE, sensors=sensors)


def client() -> mqtt.Client:
    c = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    c.max_inflight_messages_set(1000)
    c.connect("127.0.0.1", 1883)
    c.loop_start()
    return c


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=600)
    parser.add_argument("--cycles", type=int, default=10)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    bridge = SensorBridge(config=config(3000), store=BridgeStore(f"{tmp}/bench.sqlite"), backend=None,
                          options=BridgeOptions(client_id=f"bench-bridge-{MINE}"))
    bridge.start()
    bridge.connected.wait(10)

    bare_count = [0]
    bare_done = threading.Event()
    total = args.batches * 100

    def on_bare(c: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
        bare_count[0] += len(json.loads(m.payload)["readings"])
        if bare_count[0] >= total:
            bare_done.set()

    bare = client()
    bare.on_message = on_bare
    bare.subscribe(f"minesafe/{MINE}/substations/+/batch", 1)
    time.sleep(0.5)

    # --- 1. throughput ------------------------------------------------------------------
    pub = client()
    t0 = datetime.now(UTC)
    payloads = []
    for b in range(args.batches):
        base = (b * 100) % 3000
        ts = t0 + timedelta(seconds=b // 30 + 1)
        readings = [BatchReading(sensor_id=f"S{base + i:05d}", value=0.3 + (b % 7) / 100, ts=ts) for i in range(100)]
        body = SubstationBatchMessage(readings=readings).model_dump_json()
        payloads.append((batch_topic(MINE, f"ss{base // 100}"), body))
    start = time.perf_counter()
    for topic, payload in payloads:
        pub.publish(topic, payload, qos=1)
    bare_done.wait(300)
    bare_s = time.perf_counter() - start
    while bridge.stats["readings_in"] < total and time.perf_counter() - start < 300:
        time.sleep(0.01)
    bridge.flush()
    bridge_s = time.perf_counter() - start
    print(f"throughput: {total} readings; bare subscriber {total / bare_s:,.0f}/s; "
          f"bridge (rules + on-disk outbox) {total / bridge_s:,.0f}/s; ratio {bare_s / bridge_s:.2f}")

    # --- 2. control latency under 3,000 sensors / 2 s ------------------------------------
    sent: dict[datetime, float] = {}
    latencies: list[float] = []

    def on_control(c: mqtt.Client, u: object, m: mqtt.MQTTMessage) -> None:
        body = json.loads(m.payload)
        key = datetime.fromisoformat(body["reading_ts"])
        if key in sent:
            latencies.append((time.perf_counter() - sent.pop(key)) * 1000)

    watcher = client()
    watcher.on_message = on_control
    watcher.subscribe(f"minesafe/{MINE}/control/trip", 1)
    time.sleep(0.5)
    stop = threading.Event()

    def background() -> None:
        cycle = 0
        while not stop.is_set():
            tick = time.perf_counter()
            # dated by the bench's clock, after part 1's readings (the bridge rejects readings dated over 300 s ahead)
            ts = datetime.now(UTC) + timedelta(seconds=30)
            for station in range(30):
                readings = [BatchReading(sensor_id=f"S{station * 100 + i:05d}", value=0.35, ts=ts) for i in range(100)]
                body = SubstationBatchMessage(readings=readings).model_dump_json()
                pub.publish(batch_topic(MINE, f"ss{station}"), body, qos=1)
            cycle += 1
            stop.wait(max(0.0, 2.0 - (time.perf_counter() - tick)))

    load = threading.Thread(target=background, daemon=True)
    load.start()
    for i in range(args.cycles * 4):
        ts = datetime.now(UTC)
        value = 1.6 if i % 2 == 0 else 0.4
        sent[ts] = time.perf_counter()
        pub.publish(reading_topic(MINE, "TRIP"), SensorReadingMessage(value=value, ts=ts).model_dump_json(), qos=1)
        time.sleep(0.5)
    time.sleep(1)
    stop.set()
    load.join()
    print(f"control latency (publish → retained command) at 3,000 sensors / 2 s: n={len(latencies)} "
          f"p50 {statistics.median(latencies):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms")
    for c in (pub, bare, watcher):
        c.disconnect()
    bridge.stop()
    for zone in ["trip", *{f"z{i}" for i in range(30)}]:  # leave no retained bench commands behind
        cleaner = client()
        cleaner.publish(f"minesafe/{MINE}/control/{zone}", b"", qos=1, retain=True).wait_for_publish(5)
        cleaner.disconnect()


if __name__ == "__main__":
    main()
