"""End to end: the real bridge on the real Mosquitto (127.0.0.1:1883) forwarding to a live backend.

The backend is first unreachable (a proxy in front of the live server that is not listening yet): the
bridge keeps every batch in its on-disk outbox; once the proxy listens, the outbox is replayed in bridge
order, nothing twice, and the power cut becomes a CRITICAL alert. Then a threshold-crossing publish ends as
an alert on the `alerts` GraphQL subscription.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.sensors.models import BridgeLink, SensorBatch, SensorReading
from contracts.topics import reading_topic
from sensors.api import BackendClient
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.messages import SensorReadingMessage
from tests.backend.sensors.api import SAVE_ZONE, add_sensor
from tests.conftest import free_port, gql
from tests.ws_client import subscribe

pytestmark = pytest.mark.mqtt
ALERTS_SUBSCRIPTION = """subscription { alerts { kind alert { id source severity title sourceRef area { id } } } }"""


class TcpProxy:
    """A port that refuses connections until start(), then forwards them to the target (the backend)."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self._listener: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


async def wait_for(predicate, within_s: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await predicate() if asyncio.iscoroutinefunction(predicate) else predicate():
            return True
        await asyncio.sleep(0.1)
    return False


def publisher() -> mqtt.Client:
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    return client


async def mine_with_sensors(client: httpx.AsyncClient, make_mine):  # type: ignore[no-untyped-def]
    mine = await make_mine()
    zone = (await gql(client, SAVE_ZONE, {"input": {"name": "wf1"}}, token=mine.token("admin")))["savePowerZone"]
    ch4 = await add_sensor(client, mine, "WF1-CH4-01", zone_id=zone["id"], area=1)
    await add_sensor(client, mine, "WF1-CO-01", kind="CO", area=1)
    return mine, ch4


def start_bridge(tmp_path: Path, backend_url: str, token: str, config_from: str) -> SensorBridge:
    config = BackendClient(config_from, token).fetch_config()  # the bridge's own client and parsing
    bridge = SensorBridge(config=config, store=BridgeStore(tmp_path / "bridge.sqlite"),
                          backend=BackendClient(backend_url, token),
                          options=BridgeOptions(client_id=f"e2e-{uuid.uuid4().hex[:10]}", flush_interval_s=0.1,
                                                backoff_min_s=0.2, backoff_max_s=1.0))
    bridge.start()
    assert bridge.connected.wait(10)
    return bridge


async def test_backend_down_then_up_replays_the_outbox_in_order(client, make_mine, live_server, platform,
                                                                tmp_path: Path) -> None:
    mine, ch4 = await mine_with_sensors(client, make_mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))
    bridge = start_bridge(tmp_path, proxy.url, token, live_server.url)
    pub = publisher()
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=60)
    values = [0.3, 0.5, 0.8, 1.1, 1.6, 1.7, 1.2, 0.9, 0.6, 0.4] * 3
    try:
        for i, value in enumerate(values):
            message = SensorReadingMessage(value=value, ts=t0 + timedelta(seconds=i))
            pub.publish(reading_topic(bridge.mine, "WF1-CH4-01"), message.model_dump_json(), qos=1)
            await asyncio.sleep(0.03)  # several flushes: several batches
        assert await wait_for(lambda: bridge.stats["readings_in"] == len(values))
        bridge.flush()
        assert await wait_for(lambda: bridge.stats["forward_failures"] >= 2)
        pending = bridge.store.pending_count()
        assert pending >= 2, "the readings should sit in several batches"
        replayed = bridge.store.oldest()
        assert replayed is not None
        async with platform.session_factory() as session:
            assert (await session.scalars(select(SensorReading).where(
                SensorReading.sensor_id == uuid.UUID(ch4["id"])))).all() == []

        proxy.start()  # the backend comes back
        assert await wait_for(lambda: bridge.store.pending_count() == 0, within_s=30)
        # the bridge crashed after the backend accepted a batch but before it dropped it: the replay is harmless
        again = await asyncio.to_thread(bridge.backend.ingest, replayed.payload)  # type: ignore[union-attr]
        assert again["duplicate"] is True
    finally:
        bridge.stop()
        pub.disconnect()
        proxy.stop()

    async with platform.session_factory() as session:
        stored = (await session.execute(select(SensorReading.ts, SensorReading.value).where(
            SensorReading.sensor_id == uuid.UUID(ch4["id"])).order_by(SensorReading.id))).all()
        batches = (await session.scalars(select(SensorBatch).where(SensorBatch.mine_id == mine.mine_id)
                                         .order_by(SensorBatch.received_at))).all()
        link = await session.scalar(select(BridgeLink).where(BridgeLink.mine_id == mine.mine_id))
        alerts = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id))).all()
    assert [v for _, v in stored] == values  # all of them, in order, none twice
    assert [ts for ts, _ in stored] == [t0 + timedelta(seconds=i) for i in range(len(values))]
    assert len(batches) >= pending  # and maybe a later one: the silence watchdog's fault once publishing stopped
    seqs = [b.bridge_seq for b in batches]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert link is not None and link.out_of_order_batches == 0 and link.missing_seqs == 0
    severities = {(a.severity.value, a.state.value) for a in alerts}
    assert ("CRITICAL", "RESOLVED") in severities and ("ALARM", "RESOLVED") in severities
    cuts = [a for a in alerts if a.severity.value == "CRITICAL"]
    assert len(cuts) == 3 and all(a.raise_count == 1 and a.area_id == mine.areas[1] for a in cuts)  # cut, restore ×3
    assert all(a.source_ref == ch4["id"] for a in alerts)


async def test_threshold_crossing_publish_arrives_on_the_alerts_subscription(client, make_mine, live_server,
                                                                             tmp_path: Path) -> None:
    mine, ch4 = await mine_with_sensors(client, make_mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    bridge = start_bridge(tmp_path, live_server.url, token, live_server.url)
    pub = publisher()
    try:
        async with subscribe(live_server.ws_url, ALERTS_SUBSCRIPTION, token=mine.token("safety_officer")) as sub:
            sent = time.perf_counter()
            now = datetime.now(UTC)
            for i, value in enumerate((0.4, 1.2)):
                message = SensorReadingMessage(value=value, ts=now + timedelta(milliseconds=i))
                pub.publish(reading_topic(bridge.mine, "WF1-CH4-01"), message.model_dump_json(), qos=1)
            payload = await sub.next(wait_s=15)
            latency = time.perf_counter() - sent
    finally:
        bridge.stop()
        pub.disconnect()
    event = payload["data"]["alerts"]
    assert event["kind"] == "RAISED"
    alert = event["alert"]
    assert (alert["source"], alert["severity"], alert["sourceRef"]) == ("SENSOR", "ALARM", ch4["id"])
    assert "WF1-CH4-01" in alert["title"] and alert["area"]["id"] == str(mine.areas[1])
    assert latency < 10
