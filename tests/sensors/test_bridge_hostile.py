"""Malformed, oversized and hostile MQTT input on real brokers (Mosquitto and the embedded amqtt broker): every such
message is counted and dropped, none stops the bridge, none is forwarded, and a current reading at the cut limit
after them (or next to a garbled one in the same substation batch) still cuts within 2 s."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts.topics import batch_topic, reading_topic
from sensors.messages import MAX_PAYLOAD_BYTES
from tests.sensors.test_bridge_clock import CUT_WITHIN_S, Rig
from tests.sensors.test_bridge_mqtt import stored_readings, wait_until


def hostile_readings(now: datetime) -> list[tuple[str, bytes]]:
    """(sensor id of the topic, payload) pairs that must all be refused."""
    ts = now.isoformat()
    return [
        ("WF1-CH4-01", b""),
        ("WF1-CH4-01", b"{not json"),
        ("WF1-CH4-01", b"\xff\xfe\x00garbage"),
        ("WF1-CH4-01", json.dumps({"value": "1.6%", "ts": ts}).encode()),
        ("WF1-CH4-01", b'{"value": NaN, "ts": "' + ts.encode() + b'"}'),
        ("WF1-CH4-01", b'{"value": 1e400, "ts": "' + ts.encode() + b'"}'),
        ("WF1-CH4-01", json.dumps({"value": 0.4, "ts": now.replace(tzinfo=None).isoformat()}).encode()),
        ("WF1-CH4-01", json.dumps({"value": 0.4, "ts": ts, "cmd": "restore"}).encode()),
        ("WF1-CH4-01", json.dumps({"value": 0.4, "ts": ts, "seq": -1}).encode()),
        ("WF1-CH4-01", b"[" * 50_000 + b"]" * 50_000),
        ("WF1-CH4-01", b'{"value": 0.4, "ts": "' + ts.encode() + b'", "pad": "' + b"x" * MAX_PAYLOAD_BYTES + b'"}'),
        ("x" * 80, json.dumps({"value": 0.4, "ts": ts}).encode()),
        ("WF1;CH4", json.dumps({"value": 0.4, "ts": ts}).encode()),
    ]


def hostile_batches(now: datetime) -> list[bytes]:
    ts = now.isoformat()
    return [
        json.dumps({"readings": []}).encode(),
        json.dumps({"readings": [{"sensor_id": "WF1-CH4-01", "value": 0.4, "ts": ts}] * 10_001}).encode(),
        json.dumps({"readings": [{"sensor_id": "WF1-CH4-01", "value": 0.4, "ts": ts}], "admin": True}).encode(),
        json.dumps({"readings": {"sensor_id": "WF1-CH4-01"}}).encode(),
        json.dumps([1, 2, 3]).encode(),
    ]


def test_hostile_messages_are_counted_dropped_and_never_blind_the_bridge(tmp_path: Path, broker_port: int) -> None:
    rig = Rig(tmp_path, broker_port)
    try:
        now = datetime.now(UTC)
        readings, batches = hostile_readings(now), hostile_batches(now)
        for sensor, payload in readings:
            rig.pub.publish(reading_topic(rig.mine, sensor), payload, qos=1).wait_for_publish(5)
        for payload in batches:
            rig.pub.publish(batch_topic(rig.mine, "ss1"), payload, qos=1).wait_for_publish(5)
        expected = len(readings) + len(batches)
        assert wait_until(lambda: rig.bridge.stats["malformed"] >= expected, timeout=15), dict(rig.bridge.stats)
        assert rig.bridge.stats["readings_in"] == 0 and rig.bridge.stats["errors"] == 0
        sent = rig.reading("WF1-CH4-01", 1.6, datetime.now(UTC))
        delay = rig.cut_delay(sent)
        assert delay is not None and delay < CUT_WITHIN_S
        assert wait_until(lambda: len(stored_readings(rig.store)) == 1)
    finally:
        rig.close()
    assert rig.bridge.stats["malformed"] == expected
    assert [v for _, v in stored_readings(rig.store)] == [1.6]


def test_one_garbled_reading_does_not_hide_the_rest_of_its_substation_batch(tmp_path: Path,
                                                                          broker_port: int) -> None:
    rig = Rig(tmp_path, broker_port)
    try:
        now = datetime.now(UTC).isoformat()
        payload = json.dumps({"seq": 4, "readings": [
            {"sensor_id": "WF1-CO-01", "value": "garbled", "ts": now},
            {"sensor_id": "WF1-CH4-01", "value": 1.6, "ts": now},
            {"sensor_id": "../../etc", "value": 0.3, "ts": now},
            {"sensor_id": "HF1-CH4-01", "value": 0.3, "ts": now},
        ]})
        sent = rig.reading("HF1-AS-01", 1.2, datetime.now(UTC) - timedelta(seconds=1))
        rig.pub.publish(batch_topic(rig.mine, "ss1"), payload, qos=1).wait_for_publish(5)
        delay = rig.cut_delay(sent)
        assert delay is not None and delay < CUT_WITHIN_S
        assert wait_until(lambda: len(stored_readings(rig.store)) == 3)
    finally:
        rig.close()
    assert rig.bridge.stats["malformed_readings"] == 2 and rig.bridge.stats["malformed"] == 1
    assert sorted(sensor for sensor, _ in stored_readings(rig.store)) == ["HF1-AS-01", "HF1-CH4-01", "WF1-CH4-01"]


@pytest.mark.parametrize("value", [-1e308, 1e308])
def test_absurd_but_finite_values_are_sensor_faults_and_cut_fail_safe(tmp_path: Path, broker_port: int,
                                                                      value: float) -> None:
    rig = Rig(tmp_path, broker_port)
    try:
        sent = rig.reading("WF1-CH4-01", value, datetime.now(UTC))
        delay = rig.cut_delay(sent)  # the demo's face methane sensor holds its zone cut while faulty (cut_on_fault)
        assert delay is not None and delay < CUT_WITHIN_S
        assert rig.bridge.states["WF1-CH4-01"].fault is not None  # outside the physical range
        assert "fault" in str(rig.commands[0][1]["reason"])
    finally:
        rig.close()
