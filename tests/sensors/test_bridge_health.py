"""Issue 9.3 end to end: the real bridge on Mosquitto forwarding to a live backend publishes its health — Prometheus
metrics on the bridge, its heartbeat in the backend's sensorBridges — and when it can no longer forward, the
backend's check raises an alert through the shared alerts, resolved once the bridge forwards again."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.sensors import flows
from contracts.alerts import AlertState
from contracts.topics import reading_topic
from sensors.api import BackendClient
from sensors.messages import SensorReadingMessage
from sensors.metrics import serve_metrics
from tests.backend.sensors.test_bridge_health import BRIDGE_VIEW
from tests.conftest import free_port, gql
from tests.sensors.test_backend_replay import mine_with_sensors, publisher, start_bridge, wait_for

pytestmark = pytest.mark.mqtt


def scrape(port: int) -> dict[str, float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {name: float(value) for name, value in re.findall(r"^(minesafe_bridge_\S+) (\S+)$", text, re.M)}


async def check(platform, mine, at: datetime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        result = await flows.check_bridges(session, settings=platform.settings, now=at, mine_id=mine.mine_id)
        await session.commit()
    return result


async def test_bridge_health_is_published_and_a_stall_alerts(client, make_mine, live_server, platform,
                                                             tmp_path: Path) -> None:
    mine, _ = await mine_with_sensors(client, make_mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    bridge = start_bridge(tmp_path, live_server.url, token, live_server.url)
    metrics_port = free_port()
    serve_metrics(bridge, host="127.0.0.1", port=metrics_port)
    pub = publisher()
    topic = reading_topic(bridge.mine, "WF1-CH4-01")
    try:
        pub.publish(topic, b'{"value": "garbage"}', qos=1).wait_for_publish(5)
        ahead = SensorReadingMessage(value=0.3, ts=datetime.now(UTC) + timedelta(days=1))
        pub.publish(topic, ahead.model_dump_json(), qos=1).wait_for_publish(5)
        current = SensorReadingMessage(value=0.3, ts=datetime.now(UTC))
        pub.publish(topic, current.model_dump_json(), qos=1).wait_for_publish(5)
        assert await wait_for(lambda: bridge.last_forward_at is not None and bridge.store.pending_count() == 0
                              and bridge.stats["rejected_ahead"] == 1)
        metrics = scrape(metrics_port)
        assert metrics["minesafe_bridge_messages_malformed_total"] == 1
        assert metrics['minesafe_bridge_readings_rejected_total{reason="too_far_ahead"}'] == 1
        assert metrics["minesafe_bridge_readings_total"] == 2 and metrics["minesafe_bridge_mqtt_connected"] == 1
        assert metrics["minesafe_bridge_outbox_batches"] == 0
        assert abs(metrics["minesafe_bridge_last_forward_timestamp_seconds"] - datetime.now(UTC).timestamp()) < 60

        bridge.heartbeat_once()
        assert bridge.backend_status == "OK"
        [view] = (await gql(client, BRIDGE_VIEW, token=mine.token("safety_officer")))["sensorBridges"]
        assert (view["status"], view["malformed"], view["readingsRejected"], view["outboxBatches"]) == ("OK", 1, 1, 0)
        assert view["clientId"] == bridge.options.client_id and view["mqttConnected"] and view["lastForwardAt"]
        assert view["batches"] >= 1 and view["configSensors"] == 2

        # the backend becomes unreachable for the bridge: batches pile up, and the backend's check alerts
        bridge.backend = BackendClient(f"http://127.0.0.1:{free_port()}", token, timeout=1)
        for i in range(3):
            later = SensorReadingMessage(value=0.3 + i / 100, ts=datetime.now(UTC))
            pub.publish(topic, later.model_dump_json(), qos=1).wait_for_publish(5)
        assert await wait_for(lambda: bridge.store.pending_count() >= 1 and bridge.stats["forward_failures"] >= 1)
        assert scrape(metrics_port)["minesafe_bridge_outbox_batches"] >= 1
        stalled_at = datetime.now(UTC) + timedelta(seconds=platform.settings.sensor_bridge_stall_seconds + 5)
        assert await check(platform, mine, stalled_at) == (1, 0)
        async with platform.session_factory() as session:
            [alert] = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                                 Alert.dedupe_key.like("sensor-bridge:%")))).all()
        assert alert.state is AlertState.RAISED and uuid.UUID(alert.source_ref) == uuid.UUID(view["deviceId"])

        # reachable again: the outbox drains, the heartbeat reports it, the alert is resolved
        bridge.backend = BackendClient(live_server.url, token)
        assert await wait_for(lambda: bridge.store.pending_count() == 0)
        bridge.heartbeat_once()
        assert await check(platform, mine, datetime.now(UTC)) == (0, 1)
    finally:
        bridge.stop()
        pub.disconnect()
