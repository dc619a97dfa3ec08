"""Subscribers hold no database connection between events: more of them than the pool holds all get every
event, and ordinary requests still answer (a live server with a pool of 2 connections, 3 s to wait for one)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid

import asyncpg
import httpx
import websockets

from tests.backend.alerts.api import ACKNOWLEDGE, OPEN_HAZARD, raise_manual
from tests.backend.api import report
from tests.conftest import LiveServer, gql, serve
from tests.ws_client import subscribe

POOL = 2
SUBSCRIBERS = 3 * POOL  # per subscription field
ALERT_EVENTS = """subscription { alerts { kind alert { id state area { id name } acknowledgedBy { id displayName }
  hazard { id state } } } }"""
HAZARD_EVENTS = "subscription { hazardEvents { kind hazard { id state area { id name } reporter { id } } } }"


async def _idle_in_transaction(database_url: str) -> int:
    if "postgresql" not in database_url:
        return 0
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return await connection.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                         "AND state LIKE 'idle in transaction%'")
    finally:
        await connection.close()


async def _nothing_held(server: LiveServer, database_url: str) -> None:
    """Once the events are out, no connection stays checked out (nor idle in a transaction on PostgreSQL)."""
    deadline = time.monotonic() + 5
    while True:
        held = server.platform.engine.pool.checkedout(), await _idle_in_transaction(database_url)
        if held == (0, 0):
            return
        assert time.monotonic() < deadline, f"connections still held after the events (checked out, idle in tx): {held}"
        await asyncio.sleep(0.1)


async def test_more_subscribers_than_the_pool_holds_all_get_events(database_url, settings_for, make_mine) -> None:
    mine = await make_mine()
    with serve(database_url, settings_for, database_pool_size=POOL, database_max_overflow=0,
               database_pool_timeout_seconds=3) as server:
        async with contextlib.AsyncExitStack() as stack:
            http = await stack.enter_async_context(httpx.AsyncClient(base_url=server.url, timeout=30))
            officer = mine.token("safety_officer")
            alert_feeds = [await stack.enter_async_context(subscribe(server.ws_url, ALERT_EVENTS, token=officer))
                           for _ in range(SUBSCRIBERS)]
            hazard_feeds = [await stack.enter_async_context(subscribe(server.ws_url, HAZARD_EVENTS, token=officer))
                            for _ in range(SUBSCRIBERS)]

            alert = await raise_manual(http, mine.token("mine_manager"), area_id=mine.areas[0])
            for payload in await asyncio.gather(*(feed.next(15) for feed in alert_feeds)):
                assert "errors" not in payload, payload
                event = payload["data"]["alerts"]
                assert event["kind"] == "RAISED" and event["alert"]["id"] == alert["id"]
                assert event["alert"]["area"] == {"id": str(mine.areas[0]), "name": "Area 0"}
            await _nothing_held(server, database_url)

            acked = await gql(http, ACKNOWLEDGE, {"input": {"alertId": alert["id"], "verdict": "CONFIRMED"}},
                              token=officer)
            assert acked["acknowledgeAlert"]["state"] == "ACKNOWLEDGED"
            for payload in await asyncio.gather(*(feed.next(15) for feed in alert_feeds)):
                assert "errors" not in payload, payload
                assert payload["data"]["alerts"]["alert"]["acknowledgedBy"]["id"] == mine.user_id("safety_officer")

            opened = (await gql(http, OPEN_HAZARD, {"input": {"alertId": alert["id"]}}, token=officer)
                      )["openHazardFromAlert"]
            assert opened["__typename"] == "Hazard", opened
            for payload in await asyncio.gather(*(feed.next(15) for feed in hazard_feeds)):
                assert "errors" not in payload, payload
                event = payload["data"]["hazardEvents"]
                assert event["hazard"]["id"] == opened["id"] and event["hazard"]["area"]["name"] == "Area 0"
            await _nothing_held(server, database_url)

            reported = await report(http, mine.token("miner"), mine.areas[1])
            for payload in await asyncio.gather(*(feed.next(15) for feed in hazard_feeds)):
                assert "errors" not in payload, payload
                assert payload["data"]["hazardEvents"]["hazard"]["id"] == reported["id"]
            await _nothing_held(server, database_url)

            started = time.monotonic()
            body = await gql(http, "{ alerts(first: 1) { edges { node { id area { name } } } } }",
                             token=mine.token("miner"))
            assert body["alerts"]["edges"] and time.monotonic() - started < 3


async def test_operations_sharing_a_socket_each_resolve_in_their_own_session(live_server, make_mine) -> None:
    mine = await make_mine()
    async with websockets.connect(live_server.ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        await socket.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {mine.token('safety_officer')}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        operations = [str(uuid.uuid4()) for _ in range(4)]
        for operation in operations:
            await socket.send(json.dumps({"id": operation, "type": "subscribe", "payload": {"query": ALERT_EVENTS}}))
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
            for _ in range(3):
                alert = await raise_manual(http, mine.token("mine_manager"), area_id=mine.areas[0])
                seen: dict[str, dict] = {}
                while len(seen) < len(operations):
                    message = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    assert message["type"] == "next", message
                    seen[message["id"]] = message["payload"]
                for payload in seen.values():
                    assert "errors" not in payload, payload
                    assert payload["data"]["alerts"]["alert"]["id"] == alert["id"]
                    assert payload["data"]["alerts"]["alert"]["area"]["name"] == "Area 0"
