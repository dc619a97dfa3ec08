"""Issue 9.1 on real brokers (Mosquitto on 127.0.0.1:1883 and the embedded amqtt broker): one reading dated a day
ahead disabled a sensor's power cut — every later reading was "stale" and skipped the thresholds. A reading too far
ahead is now rejected at the edge, staleness never silences the thresholds, and a current reading at or over the cut
limit cuts within the 2 s of AQ 6201."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt

from contracts.topics import batch_topic, control_topic, reading_topic
from sensors.api import BridgeConfig
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.demo import demo_config
from sensors.messages import BatchReading, SensorReadingMessage, SubstationBatchMessage
from sensors.rules import SensorState
from tests.sensors.test_bridge_mqtt import stored_readings, wait_until

CUT_WITHIN_S = 2.0  # AQ 6201: the methane power cut acts within 2 s


class Rig:
    """A bridge for a mine of its own (no other test's retained commands), a publisher and a control watcher."""

    def __init__(self, tmp_path: Path, port: int, *, store: BridgeStore | None = None) -> None:
        self.mine = f"clk{uuid.uuid4().hex[:10]}"
        self.port = port
        self.store = store or BridgeStore(tmp_path / "b.sqlite")
        self.commands: list[tuple[float, dict[str, object]]] = []
        self._got = threading.Condition()
        self.watcher = self._client()
        self.watcher.on_message = self._on_command
        subscribed = threading.Event()
        self.watcher.on_subscribe = lambda *args: subscribed.set()
        self.watcher.subscribe(control_topic(self.mine, "#"), 1)
        assert subscribed.wait(10)
        config = BridgeConfig(mine_code=self.mine, sensors=demo_config().sensors)
        self.bridge = SensorBridge(config=config, store=self.store, backend=None,
                                   options=BridgeOptions(mqtt_port=port, client_id=f"clk-{uuid.uuid4().hex[:8]}",
                                                         flush_interval_s=0.1))
        self.bridge.start()
        assert self.bridge.connected.wait(10)
        self.pub = self._client()

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
        client.connect("127.0.0.1", self.port)
        client.loop_start()
        return client

    def _on_command(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._got:
            self.commands.append((time.monotonic(), json.loads(message.payload)))
            self._got.notify_all()

    def reading(self, sensor: str, value: float, ts: datetime) -> float:
        """Publish one reading; returns the monotonic time of the publish."""
        at = time.monotonic()
        payload = SensorReadingMessage(value=value, ts=ts).model_dump_json()
        self.pub.publish(reading_topic(self.mine, sensor), payload, qos=1).wait_for_publish(5)
        return at

    def cut_delay(self, sent_at: float, zone: str = "wf1", timeout: float = 5.0) -> float | None:
        """Seconds from ``sent_at`` to the zone's CUT command, None when none came within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._got:
            while True:
                for at, command in self.commands:
                    if command["action"] == "CUT" and command["power_zone"] == zone:
                        return at - sent_at
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._got.wait(remaining)

    def close(self) -> None:
        self.bridge.stop()
        for client in (self.pub, self.watcher):
            client.disconnect()
            client.loop_stop()


def test_a_reading_dated_a_day_ahead_is_rejected_and_the_next_current_one_cuts(tmp_path: Path,
                                                                                broker_port: int) -> None:
    rig = Rig(tmp_path, broker_port)
    try:
        now = datetime.now(UTC)
        rig.reading("WF1-CH4-01", 0.4, now - timedelta(seconds=1))
        rig.reading("WF1-CH4-01", 0.4, now + timedelta(days=1))  # a device clock a day ahead
        assert wait_until(lambda: rig.bridge.stats["rejected_ahead"] == 1)
        sent = rig.reading("WF1-CH4-01", 1.6, datetime.now(UTC))  # a real 1.6 % on the longwall face
        delay = rig.cut_delay(sent)
        assert delay is not None and delay < CUT_WITHIN_S
        assert wait_until(lambda: len(stored_readings(rig.store)) == 2)
    finally:
        rig.close()
    assert [v for _, v in stored_readings(rig.store)] == [0.4, 1.6]  # the day-ahead one never forwarded
    assert rig.bridge.states["WF1-CH4-01"].last_ts is not None
    assert rig.bridge.states["WF1-CH4-01"].last_ts < datetime.now(UTC) + timedelta(minutes=1)


def test_a_clock_ahead_within_the_allowance_then_corrected_still_cuts(tmp_path: Path, broker_port: int) -> None:
    rig = Rig(tmp_path, broker_port)
    try:
        rig.reading("WF1-CH4-01", 0.4, datetime.now(UTC) + timedelta(seconds=200))  # accepted, as the backend does
        assert wait_until(lambda: rig.bridge.stats["readings_in"] == 1)
        sent = rig.reading("WF1-CH4-01", 1.6, datetime.now(UTC))  # clock corrected: dated before the latest
        delay = rig.cut_delay(sent)
        assert delay is not None and delay < CUT_WITHIN_S
        assert rig.bridge.stats["rejected_ahead"] == 0
    finally:
        rig.close()


def test_a_state_left_with_a_day_ahead_reading_does_not_blind_a_restarted_bridge(tmp_path: Path,
                                                                                 broker_port: int) -> None:
    """A bridge upgraded from before the fix finds the sensor's latest reading dated a day ahead in its store."""
    store = BridgeStore(tmp_path / "b.sqlite")
    poisoned = SensorState(last_value=0.4, last_ts=datetime.now(UTC) + timedelta(days=1), same_count=1)
    store.append_batches(build_payloads=[], states={"WF1-CH4-01": poisoned}, zones={})
    rig = Rig(tmp_path, broker_port, store=store)
    try:
        sent = rig.reading("WF1-CH4-01", 1.6, datetime.now(UTC))
        delay = rig.cut_delay(sent)
        assert delay is not None and delay < CUT_WITHIN_S
    finally:
        rig.close()


def test_a_substation_batch_with_one_ahead_reading_still_cuts_on_its_current_one(tmp_path: Path,
                                                                                  broker_port: int) -> None:
    rig = Rig(tmp_path, broker_port)
    try:
        now = datetime.now(UTC)
        batch = SubstationBatchMessage(readings=[
            BatchReading(sensor_id="WF1-CH4-02", value=0.3, ts=now + timedelta(days=365)),
            BatchReading(sensor_id="WF1-CH4-01", value=1.6, ts=now),
        ])
        sent = time.monotonic()
        rig.pub.publish(batch_topic(rig.mine, "ss1"), batch.model_dump_json(), qos=1).wait_for_publish(5)
        delay = rig.cut_delay(sent)
        assert delay is not None and delay < CUT_WITHIN_S
        assert wait_until(lambda: rig.bridge.stats["rejected_ahead"] == 1)
    finally:
        rig.close()
