"""The safety path is not held up by batching: the flusher writes and acknowledges as soon as ack_window messages
wait for their PUBACK (the broker stops delivering at its inflight window, and a threshold crossing queued behind a
burst would otherwise wait for the flush interval); sensor states survive the one-statement write."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt

from contracts.sensors import SensorFault, SensorLevel
from contracts.topics import batch_topic
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.messages import BatchReading, SubstationBatchMessage
from sensors.rules import SensorState
from tests.sensors.test_bridge_batches import config, outbox

T0 = datetime(2026, 11, 30, 8, tzinfo=UTC)


def message(bridge: SensorBridge, mid: int, second: int) -> mqtt.MQTTMessage:
    readings = [BatchReading(sensor_id=f"S{i:05d}", value=0.3, ts=T0 + timedelta(seconds=second)) for i in range(10)]
    msg = mqtt.MQTTMessage(mid=mid, topic=batch_topic(bridge.mine, "ss1").encode())
    msg.payload = SubstationBatchMessage(readings=readings).model_dump_json().encode()
    msg.qos = 1
    return msg


def test_a_full_ack_window_is_flushed_and_acknowledged_at_once(tmp_path: Path) -> None:
    bridge = SensorBridge(config=config(10), store=BridgeStore(tmp_path / "b.sqlite"), backend=None,
                          options=BridgeOptions(flush_interval_s=60.0, ack_window=5))
    acked: list[int] = []
    bridge._client.ack = lambda mid, qos: acked.append(mid)  # type: ignore[method-assign]
    flusher = threading.Thread(target=bridge._flush_loop, daemon=True)
    flusher.start()
    try:
        for mid in range(1, 5):
            bridge._on_message(bridge._client, None, message(bridge, mid, mid))
        time.sleep(0.3)
        assert acked == [] and outbox(bridge.store) == []  # below the window: the interval (60 s) applies
        bridge._on_message(bridge._client, None, message(bridge, 5, 5))
        deadline = time.monotonic() + 5
        while len(acked) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert acked == [1, 2, 3, 4, 5]  # written first, then acknowledged, long before the interval
        assert sum(len(b.readings) for b in outbox(bridge.store)) == 50
    finally:
        bridge._stop.set()
        bridge._flush_signal.set()
        flusher.join(5)


def test_sensor_states_survive_the_one_statement_write(tmp_path: Path) -> None:
    store = BridgeStore(tmp_path / "b.sqlite")
    states = {
        "A": SensorState(level=SensorLevel.ALARM, power_cut=True, last_value=1.6, last_ts=T0, same_count=3,
                         window=[(T0 - timedelta(seconds=5), 1.1), (T0, 1.6)]),
        "B": SensorState(fault=SensorFault.SILENT),
        "C'\"": SensorState(),
    }
    store.append_batches(build_payloads=[], states=states, zones={"z1": frozenset({"A"})})
    assert store.load_states() == states
    store.append_batches(build_payloads=[], states={"B": SensorState(last_value=0.2, last_ts=T0)}, zones={})
    assert store.load_states()["B"] == SensorState(last_value=0.2, last_ts=T0)
    assert store.load_zones() == {"z1": frozenset({"A"})}


def test_the_silence_scan_applies_only_silent_sensors(tmp_path: Path) -> None:
    bridge = SensorBridge(config=config(3), store=BridgeStore(tmp_path / "b.sqlite"), backend=None)
    bridge._reading("S00000", 0.3, T0, T0)  # heard at T0 by the bridge's clock
    bridge._reading("S00001", 0.3, T0 + timedelta(seconds=10), T0 + timedelta(seconds=10))
    bridge.check_silent(T0 + timedelta(seconds=11))  # S00000 silent for 11 s (> 2 × 2 s); S00001 not; S00002 unseen
    assert [c.sensor_id for c in bridge._pending.changes] == ["S00000"]
    assert bridge.states["S00000"].fault is SensorFault.SILENT and bridge.states["S00001"].fault is None
    bridge.check_silent(T0 + timedelta(seconds=12))  # raised once
    assert len(bridge._pending.changes) == 1


def test_a_kept_state_dated_ahead_does_not_hide_a_silence(tmp_path: Path) -> None:
    """A state from an older bridge (no seen_at) whose latest reading is dated a day ahead."""
    store = BridgeStore(tmp_path / "b.sqlite")
    now = datetime.now(UTC)
    store.append_batches(build_payloads=[], states={"S00000": SensorState(last_value=0.3,
                                                                          last_ts=now + timedelta(days=1))}, zones={})
    bridge = SensorBridge(config=config(1), store=store, backend=None)
    bridge.check_silent(now + timedelta(seconds=30))  # 2 × 2 s polling long past
    assert bridge.states["S00000"].fault is SensorFault.SILENT
