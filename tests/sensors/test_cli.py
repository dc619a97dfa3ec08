"""`minesafe sensors bridge` as a process (issue 9.2): with no backend it waits for the backend's config and starts on
nothing else; once the backend answers, it runs on the backend's sensors and serves its metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from backend.accounts.models import DeviceKind
from tests.conftest import free_port
from tests.sensors.test_backend_replay import mine_with_sensors

pytestmark = pytest.mark.mqtt


def run_bridge(tmp_path: Path, api_url: str, token: str, metrics_port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINESAFE_")}
    env |= {"MINESAFE_SENSORS_API_URL": api_url, "MINESAFE_SENSORS_DEVICE_TOKEN": token,
            "MINESAFE_SENSORS_MQTT_HOST": "127.0.0.1", "MINESAFE_SENSORS_MQTT_PORT": "1883",
            "MINESAFE_SENSORS_BUFFER_DIR": str(tmp_path / "buffer"),
            "MINESAFE_SENSORS_METRICS_PORT": str(metrics_port), "MINESAFE_SENSORS_CONFIG_RETRY_MAX_SECONDS": "0.5",
            "MINESAFE_SENSORS_CLIENT_ID": f"cli-{metrics_port}"}
    log = (tmp_path / "bridge.log").open("wb")
    return subprocess.Popen([sys.executable, "-c", "from sensors.cli import app; app()", "bridge"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)


def metrics(port: int) -> str | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
    except httpx.HTTPError:
        return None


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


async def test_the_bridge_waits_for_the_backends_config_then_runs_on_it(client, make_mine, live_server,
                                                                        tmp_path: Path) -> None:
    mine, _ = await mine_with_sensors(client, make_mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    (tmp_path / "a").mkdir()
    waiting_port = free_port()
    dead = run_bridge(tmp_path / "a", f"http://127.0.0.1:{free_port()}", token, waiting_port)
    try:
        await asyncio.sleep(3)
        assert dead.poll() is None  # still waiting, not crashed
        log = (tmp_path / "a" / "bridge.log").read_text()
        assert "waiting for the sensor config" in log and "demo" not in log and "connected to MQTT" not in log
        assert metrics(waiting_port) is None  # no bridge runs yet: nothing on any config
    finally:
        stop(dead)

    (tmp_path / "b").mkdir()
    port = free_port()
    live = run_bridge(tmp_path / "b", f"{live_server.url}/graphql", token, port)
    try:
        deadline = time.monotonic() + 20
        while (text := metrics(port)) is None or "minesafe_bridge_mqtt_connected 1.0" not in text:
            assert time.monotonic() < deadline, (tmp_path / "b" / "bridge.log").read_text()
            await asyncio.sleep(0.2)
        assert "minesafe_bridge_config_sensors 2.0" in text  # the backend's two sensors, not the demo's nine
        assert (tmp_path / "b" / "buffer" / "sensor-bridge.sqlite").exists()
    finally:
        stop(live)
