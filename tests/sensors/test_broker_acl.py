"""The broker as infra/ configures it (its mosquitto.conf and acl, a password file made with mosquitto_passwd), run as
a real Mosquitto on a free port: the bridge needs its credentials (issue 9.2), anonymous and wrong-password clients
are refused, and a substation can neither forge a power command nor speak for another substation."""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from contracts.sensors import PowerAction
from contracts.topics import (
    batch_topic,
    control_topic,
    drill_batch_topic,
    drill_control_topic,
    drill_sighting_topic,
    reading_topic,
    sighting_topic,
)
from sensors.api import BridgeConfig
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.demo import demo_config
from sensors.messages import BatchReading, ControlCommand, SensorReadingMessage, SubstationBatchMessage
from tests.sensors.test_bridge_mqtt import wait_until
from tests.sensors.test_embedded_broker import free_port

INFRA = Path(__file__).resolve().parents[2] / "infra" / "mosquitto"
USERS = {"bridge": "bridge-pw", "ss1": "ss1-pw", "ss2": "ss2-pw", "drill": "drill-pw"}

pytestmark = pytest.mark.skipif(not (shutil.which("mosquitto") or Path("/usr/sbin/mosquitto").exists())
                                or not shutil.which("mosquitto_passwd"), reason="needs mosquitto and mosquitto_passwd")


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root = tmp_path_factory.mktemp("mosquitto")
    passwd = root / "passwd"
    for i, (user, password) in enumerate(USERS.items()):
        args = ["mosquitto_passwd", "-b"] + (["-c"] if i == 0 else []) + [str(passwd), user, password]
        subprocess.run(args, check=True, capture_output=True)
    shutil.copy(INFRA / "acl", root / "acl")
    (root / "data").mkdir()
    port = free_port()
    conf = (INFRA / "mosquitto.conf").read_text()
    conf = (conf.replace("/mosquitto/config/passwd", str(passwd)).replace("/mosquitto/config/acl", str(root / "acl"))
            .replace("/mosquitto/data/", f"{root / 'data'}/").replace("listener 1883", f"listener {port} 127.0.0.1"))
    assert f"listener {port}" in conf and str(passwd) in conf
    conf += f"\nuser {getpass.getuser()}\n"  # as root, mosquitto would drop to a user that cannot read tmp_path
    (root / "mosquitto.conf").write_text(conf)
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", str(root / "mosquitto.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def connect(port: int, user: str | None, password: str | None = None) -> tuple[mqtt.Client, object]:
    """A connected client (or the refusal's reason code)."""
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    if user:
        client.username_pw_set(user, password)
    done, result = threading.Event(), {}

    def on_connect(c: mqtt.Client, u: object, flags: object, reason: object, props: object) -> None:
        result["reason"] = reason
        done.set()

    client.on_connect = on_connect
    client.connect("127.0.0.1", port)
    client.loop_start()
    assert done.wait(10)
    return client, result["reason"]


def close(*clients: mqtt.Client) -> None:
    for client in clients:
        client.disconnect()
        client.loop_stop()


@pytest.mark.parametrize(("user", "password"), [(None, None), ("bridge", "wrong"), ("nobody", "x")])
def test_anonymous_and_wrong_password_clients_are_refused(broker: int, user: str | None, password: str | None) -> None:
    client, reason = connect(broker, user, password)
    close(client)
    assert getattr(reason, "is_failure", False), reason


def make_bridge(tmp_path: Path, port: int, mine: str, **credentials: str | None) -> SensorBridge:
    config = BridgeConfig(mine_code=mine, sensors=demo_config().sensors)
    options = BridgeOptions(mqtt_port=port, client_id=f"acl-{uuid.uuid4().hex[:8]}", flush_interval_s=0.1,
                            **credentials)  # type: ignore[arg-type]
    bridge = SensorBridge(config=config, store=BridgeStore(tmp_path / f"{uuid.uuid4().hex}.sqlite"), backend=None,
                          options=options)
    bridge.start()
    return bridge


def test_without_its_credentials_the_bridge_never_gets_in(tmp_path: Path, broker: int) -> None:
    bridge = make_bridge(tmp_path, broker, "aclm0")
    try:
        assert not bridge.connected.wait(2)
        assert bridge.stats["connect_refused"] >= 1
    finally:
        bridge.stop()


def test_the_bridge_with_its_credentials_cuts_and_substations_cannot_forge_or_impersonate(tmp_path: Path,
                                                                                          broker: int) -> None:
    mine = f"acl{uuid.uuid4().hex[:8]}"
    bridge = make_bridge(tmp_path, broker, mine, mqtt_username="bridge", mqtt_password=USERS["bridge"])
    watcher, _ = connect(broker, "ss2", USERS["ss2"])  # a substation reads the control commands it carries out
    commands: list[dict[str, object]] = []
    watcher.on_message = lambda c, u, m: commands.append(json.loads(m.payload))
    watcher.subscribe(control_topic(mine, "#"), 1)
    substation, _ = connect(broker, "ss1", USERS["ss1"])
    try:
        assert bridge.connected.wait(10)
        time.sleep(0.3)  # the watcher's subscription
        forged = ControlCommand(power_zone="wf1", action=PowerAction.RESTORE, sensor_ids=[], trigger_sensor_id="x",
                                trigger_value=None, reason="forged", reading_ts=datetime.now(UTC),
                                issued_at=datetime.now(UTC))
        substation.publish(control_topic(mine, "wf1"), forged.model_dump_json(), qos=1).wait_for_publish(5)
        other = SubstationBatchMessage(readings=[BatchReading(sensor_id="WF1-CH4-01", value=1.9,
                                                              ts=datetime.now(UTC))])
        substation.publish(batch_topic(mine, "ss2"), other.model_dump_json(), qos=1).wait_for_publish(5)
        time.sleep(0.5)
        assert commands == [] and bridge.stats["readings_in"] == 0  # both dropped by the broker's ACL
        reading = SensorReadingMessage(value=1.6, ts=datetime.now(UTC)).model_dump_json()
        substation.publish(reading_topic(mine, "WF1-CH4-01"), reading, qos=1).wait_for_publish(5)
        assert wait_until(lambda: [c["action"] for c in commands] == ["CUT"], timeout=5)
        own = SubstationBatchMessage(readings=[BatchReading(sensor_id="HF1-CH4-01", value=0.3, ts=datetime.now(UTC))])
        substation.publish(batch_topic(mine, "ss1"), own.model_dump_json(), qos=1).wait_for_publish(5)
        assert wait_until(lambda: bridge.stats["readings_in"] == 2)
    finally:
        bridge.stop()
        close(watcher, substation)


def test_a_drill_reaches_only_drill_control_topics_and_the_drill_runner_cannot_forge(tmp_path: Path,
                                                                                     broker: int) -> None:
    """Issue 16: the drill runner publishes a drill's readings; the bridge's drill cut reaches the drill's control
    topic, never a real one; the runner can publish neither real readings nor any control command, and a
    substation cannot start a drill."""
    mine = f"acl{uuid.uuid4().hex[:8]}"
    bridge = make_bridge(tmp_path, broker, mine, mqtt_username="bridge", mqtt_password=USERS["bridge"])
    real, _ = connect(broker, "ss2", USERS["ss2"])
    real_commands: list[dict[str, object]] = []
    real.on_message = lambda c, u, m: real_commands.append(json.loads(m.payload))
    real.subscribe(control_topic(mine, "#"), 1)
    runner, _ = connect(broker, "drill", USERS["drill"])
    drill_commands: list[dict[str, object]] = []
    runner.on_message = lambda c, u, m: drill_commands.append(json.loads(m.payload))
    runner.subscribe(f"minesafe/{mine}/drills/d1/control/#", 1)
    substation, _ = connect(broker, "ss1", USERS["ss1"])
    try:
        assert bridge.connected.wait(10)
        time.sleep(0.3)
        high = SubstationBatchMessage(readings=[BatchReading(sensor_id="WF1-CH4-01", value=1.9, ts=datetime.now(UTC))])
        substation.publish(drill_batch_topic(mine, "d2"), high.model_dump_json(), qos=1).wait_for_publish(5)
        forged = ControlCommand(power_zone="wf1", action=PowerAction.CUT, sensor_ids=[], trigger_sensor_id="x",
                                trigger_value=None, reason="forged", reading_ts=datetime.now(UTC),
                                issued_at=datetime.now(UTC)).model_dump_json()
        runner.publish(control_topic(mine, "wf1"), forged, qos=1).wait_for_publish(5)
        runner.publish(drill_control_topic(mine, "d1", "wf1"), forged, qos=1).wait_for_publish(5)
        reading = SensorReadingMessage(value=1.9, ts=datetime.now(UTC)).model_dump_json()
        runner.publish(reading_topic(mine, "WF1-CH4-01"), reading, qos=1).wait_for_publish(5)
        time.sleep(0.5)
        assert real_commands == [] and drill_commands == [] and bridge.stats["drill_readings_in"] == 0
        assert bridge.stats["readings_in"] == 0
        runner.publish(drill_batch_topic(mine, "d1"), high.model_dump_json(), qos=1).wait_for_publish(5)
        assert wait_until(lambda: [c["action"] for c in drill_commands] == ["CUT"], timeout=5)
        time.sleep(0.3)
        assert real_commands == [] and bridge.stats["drill_readings_in"] == 1 and bridge.states == {}
        # the runner's sightings: on the drill topic, never a real reader's
        seen = json.dumps({"reader": "R-WF1", "sightings": [{"tag": "WF1-1", "ts": datetime.now(UTC).isoformat()}]})
        runner.publish(sighting_topic(mine, "R-WF1"), seen, qos=1).wait_for_publish(5)
        runner.publish(drill_sighting_topic(mine, "d1"), seen, qos=1).wait_for_publish(5)
        assert wait_until(lambda: bridge.stats["drill_sightings_in"] == 1, timeout=5)
        time.sleep(0.3)
        assert bridge.stats["sightings_in"] == 0 and bridge.stats["malformed"] == 0
    finally:
        bridge.stop()
        close(real, runner, substation)
