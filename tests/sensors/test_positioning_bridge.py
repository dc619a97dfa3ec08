"""The bridge's positioning family: sightings validated at the edge (malformed, oversized, future-dated,
replayed, out of order), batched through the disk outbox, and — on the real Mosquitto and the embedded broker —
forwarded to a live backend that was unreachable at first, nothing applied twice."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from sqlalchemy import func, select

from backend.accounts.models import DeviceKind
from backend.positioning import service
from backend.positioning.models import SightingBatch
from contracts.topics import parse_topic, sighting_topic
from sensors.api import BackendClient, BridgeConfig, ForwardBatch
from sensors.bridge import BridgeOptions, SensorBridge
from sensors.buffer import BridgeStore
from sensors.messages import MAX_PAYLOAD_BYTES, ReaderSightingMessage, TagSighting
from sensors.positioning import SightingVerdict, TagSeen, judge_sighting
from tests.backend.positioning.api import lay_out
from tests.sensors.test_backend_replay import TcpProxy, wait_for


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def message(*items: tuple[str, datetime]) -> bytes:
    return ReaderSightingMessage(sightings=[TagSighting(tag=t, ts=ts) for t, ts in items]).model_dump_json().encode()


def test_the_topic_is_built_and_parsed_in_one_place() -> None:
    topic = sighting_topic("demo", "R-15201")
    assert topic == "minesafe/demo/position/R-15201/sighting"
    parts = parse_topic(topic)
    assert parts is not None and (parts.mine, parts.family, parts.ident, parts.kind) == \
        ("demo", "position", "R-15201", "sighting")
    assert parse_topic("minesafe/demo/position//sighting") is None and parse_topic("other/x/y/z/w") is None


def test_judge_sighting() -> None:
    t = now()
    limit = t + timedelta(seconds=300)
    last = TagSeen(ts=t, reader="R1")
    assert judge_sighting(None, "R1", t, ahead_limit=limit) is SightingVerdict.FORWARD
    assert judge_sighting(last, "R1", t + timedelta(seconds=1), ahead_limit=limit) is SightingVerdict.FORWARD
    assert judge_sighting(last, "R1", t, ahead_limit=limit) is SightingVerdict.REPLAYED
    assert judge_sighting(last, "R2", t, ahead_limit=limit) is SightingVerdict.FORWARD
    assert judge_sighting(last, "R1", t - timedelta(seconds=1), ahead_limit=limit) is SightingVerdict.OUT_OF_ORDER
    assert judge_sighting(None, "R1", t + timedelta(hours=1), ahead_limit=limit) is SightingVerdict.AHEAD


def test_the_bridge_validates_and_batches_sightings(tmp_path: Path) -> None:
    bridge = SensorBridge(config=BridgeConfig(mine_code="demo", sensors=[]),
                          store=BridgeStore(tmp_path / "b.sqlite"), backend=None)
    topic = sighting_topic("demo", "R1")
    t = now() - timedelta(seconds=30)
    bridge._handle(topic, message(("T1", t), ("T2", t)))
    bridge._handle(topic, message(("T1", t)))  # a redelivery: replayed
    bridge._handle(topic, message(("T1", t - timedelta(seconds=5))))  # out of order
    bridge._handle(topic, message(("T3", now() + timedelta(hours=2))))  # future beyond the allowance
    bridge._handle(topic, b'{"sightings": [{"tag": "T1"}]}')  # malformed
    bridge._handle(topic, b"not json")
    bridge._handle(sighting_topic("demo", "bad reader!"), message(("T1", t + timedelta(seconds=1))))
    bridge._handle(sighting_topic("other-mine", "R1"), message(("T1", t + timedelta(seconds=1))))
    bridge._handle(topic, b"x" * (MAX_PAYLOAD_BYTES + 1))  # oversized: refused unread
    bridge._handle(topic, json.dumps({"sightings": [{"tag": f"T{i}", "ts": t.isoformat()}
                                                   for i in range(5001)]}).encode())  # too many in one message
    stats = bridge.stats
    assert stats["sightings_in"] == 5
    assert (stats["sightings_replayed"], stats["sightings_out_of_order"], stats["sightings_ahead"]) == (1, 1, 1)
    assert stats["malformed"] == 6
    from prometheus_client import generate_latest

    from sensors.metrics import registry_for

    metrics = generate_latest(registry_for(bridge)).decode()
    assert 'minesafe_bridge_sightings_total{verdict="forwarded"} 2.0' in metrics
    assert 'minesafe_bridge_sightings_total{verdict="replayed"} 1.0' in metrics
    bridge.flush()
    entry = bridge.store.oldest()
    assert entry is not None
    batch = ForwardBatch.model_validate_json(entry.payload)
    assert [(s.tag, s.reader) for s in batch.sightings] == [("T1", "R1"), ("T2", "R1")]
    assert batch.sightings_input()["sightings"][0] == {"tagCode": "T1", "readerCode": "R1", "ts": t.isoformat()}


async def test_sightings_reach_the_backend_after_it_was_unreachable(broker_port, live_server, make_mine, platform,
                                                                    tmp_path: Path) -> None:
    mine = await make_mine()
    await lay_out(platform, mine)
    token = mine.device_tokens[DeviceKind.SENSOR_BRIDGE]
    config = BackendClient(live_server.url, token).fetch_config()
    proxy = TcpProxy(int(live_server.url.rsplit(":", 1)[1]))  # not listening yet: the backend is unreachable
    bridge = SensorBridge(config=config, store=BridgeStore(tmp_path / "bridge.sqlite"),
                          backend=BackendClient(proxy.url, token),
                          options=BridgeOptions(mqtt_port=broker_port, client_id=f"pos-{uuid.uuid4().hex[:10]}",
                                                flush_interval_s=0.1, backoff_min_s=0.2, backoff_max_s=1.0))
    bridge.start()
    publisher = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
    try:
        assert bridge.connected.wait(10)
        publisher.connect("127.0.0.1", broker_port)
        publisher.loop_start()
        mine_code = config.mine_code
        t0 = now() - timedelta(minutes=2)
        for reader, tag, ts in (("RS", "T-miner", t0), ("R0", "T-miner", t0 + timedelta(seconds=60)),
                                ("R0", "T-miner", t0 + timedelta(seconds=60)),  # replayed by the reader
                                ("R1", "T-miner2", t0), ("R0", "T-miner2", t0 - timedelta(seconds=30))):
            publisher.publish(sighting_topic(mine_code, reader), message((tag, ts)), qos=1).wait_for_publish(5)
        assert await wait_for(lambda: bridge.stats["sightings_in"] == 5, 10)
        assert await wait_for(lambda: bridge.store.pending_count() >= 1, 10)
        await asyncio.sleep(0.5)
        assert bridge.store.pending_count() >= 1  # buffered on disk while the backend is unreachable
        proxy.start()
        assert await wait_for(lambda: bridge.store.pending_count() == 0, 20)

        async def placed() -> bool:
            async with platform.session_factory() as session:
                return await service.current_area(session=session, mine_id=mine.mine_id,
                                                  user_id=mine.users["miner"].id) == mine.areas[0]
        assert await wait_for(placed, 10)
        async with platform.session_factory() as session:
            assert await service.current_area(session=session, mine_id=mine.mine_id,
                                              user_id=mine.users["miner2"].id) == mine.areas[1]
            batches = await session.scalar(select(func.count()).select_from(SightingBatch)
                                           .where(SightingBatch.mine_id == mine.mine_id))
            stored = await session.scalar(select(func.sum(SightingBatch.stored))
                                          .where(SightingBatch.mine_id == mine.mine_id))
        assert batches >= 1 and stored == 3  # the replay and the out-of-order one stopped at the edge
        assert (bridge.stats["sightings_replayed"], bridge.stats["sightings_out_of_order"]) == (1, 1)
    finally:
        publisher.loop_stop()
        publisher.disconnect()
        bridge.stop()
        proxy.stop()
