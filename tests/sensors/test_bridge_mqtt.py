"""The bridge against the real Mosquitto on 127.0.0.1:1883 (no backend: the outbox keeps batches)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from contracts.topics import reading_topic
from sensors.api import ForwardBatch
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.demo import demo_config
from sensors.messages import SensorReadingMessage

pytestmark = pytest.mark.mqtt
T0 = datetime.now(UTC).replace(microsecond=0)


def wait_until(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def client(client_id: str | None = None) -> mqtt.Client:
    c = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or "")
    c.connect("127.0.0.1", 1883)
    c.loop_start()
    return c


def publish(pub: mqtt.Client, sensor: str, value: float, ts: datetime) -> None:
    payload = SensorReadingMessage(value=value, ts=ts).model_dump_json()
    pub.publish(reading_topic("demo", sensor), payload, qos=1).wait_for_publish(5)


def stored_readings(store: BridgeStore) -> list[tuple[str, float]]:
    rows = store._db.execute("SELECT payload FROM outbox ORDER BY seq").fetchall()
    return [(r.sensor_id, r.value) for (p,) in rows for r in ForwardBatch.model_validate_json(p).readings]


def make_bridge(path: Path, client_id: str) -> SensorBridge:
    bridge = SensorBridge(config=demo_config(), store=BridgeStore(path), backend=None,
                          options=BridgeOptions(client_id=client_id, flush_interval_s=0.1))
    bridge.start()
    assert bridge.connected.wait(10)
    return bridge


def test_power_cut_published_retained_and_malformed_counted(tmp_path: Path) -> None:
    bridge = make_bridge(tmp_path / "b.sqlite", f"test-bridge-{uuid.uuid4().hex[:8]}")
    commands: list[dict[str, object]] = []
    watcher = client()
    watcher.on_message = lambda c, u, m: commands.append(json.loads(m.payload))
    watcher.subscribe("minesafe/demo/control/wf1", 1)
    pub = client()
    try:
        for i, value in enumerate([0.4, 1.2, 1.6, 1.1, 0.5]):
            publish(pub, "WF1-CH4-01", value, T0 + timedelta(seconds=i))
        pub.publish("minesafe/demo/sensors/WF1-CH4-01/reading", b"{not json", qos=1).wait_for_publish(5)
        pub.publish("minesafe/demo/sensors/WF1-CH4-01/reading", b'{"value": "x"}', qos=1).wait_for_publish(5)
        publish(pub, "WF1-CH4-01", 0.5, T0 + timedelta(seconds=4))  # duplicate
        publish(pub, "WF1-CH4-01", 0.45, T0 + timedelta(seconds=5))  # still processed after garbage
        assert wait_until(lambda: [c["action"] for c in commands][-2:] == ["CUT", "RESTORE"])
        assert wait_until(lambda: bridge.stats["readings_in"] == 7)
        assert bridge.stats["malformed"] == 2 and bridge.stats["duplicate"] == 1
    finally:
        bridge.stop()
        watcher.disconnect()
        pub.disconnect()
    assert [v for _, v in stored_readings(bridge.store)] == [0.4, 1.2, 1.6, 1.1, 0.5, 0.45]


def test_bridge_crash_and_restart_loses_nothing(tmp_path: Path) -> None:
    client_id = f"test-bridge-{uuid.uuid4().hex[:8]}"
    bridge = make_bridge(tmp_path / "b.sqlite", client_id)
    pub = client()
    values = [round(0.30 + i * 0.001, 3) for i in range(60)]
    for i, value in enumerate(values[:20]):
        publish(pub, "HF1-CH4-01", value, T0 + timedelta(seconds=i))
    assert wait_until(lambda: bridge.stats["readings_in"] == 20)
    bridge.stop(graceful=False)  # crash: no final flush
    bridge.store.close()
    for i, value in enumerate(values[20:40], start=20):  # broker queues them for the session
        publish(pub, "HF1-CH4-01", value, T0 + timedelta(seconds=i))
    bridge = make_bridge(tmp_path / "b.sqlite", client_id)
    for i, value in enumerate(values[40:], start=40):
        publish(pub, "HF1-CH4-01", value, T0 + timedelta(seconds=i))
    try:
        assert wait_until(lambda: len(stored_readings(bridge.store)) >= 60, timeout=15)
    finally:
        bridge.stop()
        pub.disconnect()
    assert [v for _, v in stored_readings(bridge.store)] == values  # in order, none lost, none twice
