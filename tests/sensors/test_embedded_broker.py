"""The bridge on the embedded amqtt broker, including a broker restart mid-stream."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt

from contracts.topics import reading_topic
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.broker import EmbeddedBroker
from sensors.buffer import BridgeStore
from sensors.demo import demo_config
from sensors.messages import SensorReadingMessage
from tests.sensors.test_bridge_mqtt import stored_readings, wait_until

T0 = datetime.now(UTC).replace(microsecond=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_embedded_broker_restart_mid_stream(tmp_path: Path) -> None:
    port = free_port()
    broker = EmbeddedBroker(port)
    broker.start()
    bridge = SensorBridge(config=demo_config(), store=BridgeStore(tmp_path / "b.sqlite"), backend=None,
                          options=BridgeOptions(mqtt_port=port, client_id=f"emb-{uuid.uuid4().hex[:8]}",
                                                flush_interval_s=0.1))
    bridge.start()
    assert bridge.connected.wait(10)
    pub = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    pub.reconnect_delay_set(1, 2)
    pub.connect("127.0.0.1", port)
    pub.loop_start()

    def send(i: int) -> None:
        payload = SensorReadingMessage(value=0.2 + i / 1000, ts=T0 + timedelta(seconds=i)).model_dump_json()
        pub.publish(reading_topic("demo", "HF1-CH4-01"), payload, qos=1).wait_for_publish(15)

    try:
        for i in range(10):
            send(i)
        assert wait_until(lambda: bridge.stats["readings_in"] == 10)
        broker.stop()
        assert wait_until(lambda: not bridge.connected.is_set())
        broker = EmbeddedBroker(port)
        broker.start()
        assert bridge.connected.wait(20)  # the bridge reconnected with backoff
        assert wait_until(lambda: pub.is_connected(), timeout=20)
        for i in range(10, 20):
            send(i)
        assert wait_until(lambda: len(stored_readings(bridge.store)) == 20, timeout=15)
    finally:
        bridge.stop()
        pub.disconnect()
        pub.loop_stop()
        broker.stop()
    assert [round(v, 3) for _, v in stored_readings(bridge.store)] == [round(0.2 + i / 1000, 3) for i in range(20)]
    assert bridge.stats["disconnects"] >= 1
