"""A bus outage never fails or blocks a saved write; its event is delivered once the bus is back (issue 9 item 10).

Real Redis and NATS sit behind a local TCP proxy that the test stops (refused) or pauses (hung); the shared
servers themselves are never touched. A subscriber connected straight to the real server sees the late event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid

import httpx
import pytest

from backend.config import Settings
from backend.events.bus import create_event_bus
from backend.events.outbox import EventPublisher
from backend.hazards.events import channel_for
from backend.main import create_app
from backend.platform import Platform
from tests.backend.api import REPORT, jpeg_bytes, upload
from tests.tcp_proxy import TcpProxy

SERVERS = {"redis": ("127.0.0.1", 6379), "nats": ("127.0.0.1", 4222)}


@pytest.mark.parametrize("fault", ["down", "hung"])
@pytest.mark.parametrize("transport", ["redis", "nats"])
async def test_a_write_answers_at_once_and_its_event_arrives_when_the_bus_is_back(
        transport: str, fault: str, database_url, settings_for, make_mine) -> None:
    proxy = await TcpProxy(*SERVERS[transport]).start()
    address = f"{transport}://127.0.0.1:{proxy.port}" + ("/0" if transport == "redis" else "")
    settings = settings_for(database_url, event_bus=transport, **{f"{transport}_url": address})
    platform = Platform.from_settings(settings)
    platform.publisher = EventPublisher(platform.bus, platform.session_factory, publish_timeout=0.5,
                                        retry_seconds=0.5, grace_seconds=0.5)
    app = create_app(settings, platform)
    app.state.platform = platform
    mine = await make_mine()
    direct = create_event_bus(Settings(event_bus=transport))  # the real server, not through the proxy
    subscription = direct.subscribe(channel_for(mine.mine_id))
    received = asyncio.ensure_future(subscription.__anext__())
    await asyncio.sleep(0.5)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            assert (await http.get("/readyz")).status_code == 200
            photos = [await upload(http, mine.token("miner"), jpeg_bytes(color=(i, 90, 40))) for i in range(2)]
            if fault == "down":
                await proxy.stop()
            else:
                proxy.pause()
            variables = {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]),
                                   "description": "methane drainage pipe cracked", "photoKeys": photos[:1]}}
            started = time.monotonic()
            body = (await http.post("/graphql", json={"query": REPORT, "variables": variables},
                                    headers={"Authorization": f"Bearer {mine.token('miner')}"})).json()
            took = time.monotonic() - started
            assert body.get("data", {}).get("reportHazard", {}).get("__typename") == "Hazard", body
            assert took < 1.5, f"the write waited {took:.1f} s for the bus"
            # a second write is not queued behind the first one's event
            started = time.monotonic()
            again = (await http.post("/graphql", json={"query": REPORT, "variables": {
                "input": {**variables["input"], "clientId": str(uuid.uuid4()), "photoKeys": photos[1:]}}},
                headers={"Authorization": f"Bearer {mine.token('miner')}"})).json()
            assert again["data"]["reportHazard"]["__typename"] == "Hazard" and time.monotonic() - started < 1.5

            ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["bus"] == "down", ready.text
            assert ready.json()["outbox"] >= 2
            assert not received.done()

            if fault == "down":
                await proxy.start()
            else:
                proxy.resume()
            seen: set[str] = set()
            message = await asyncio.wait_for(received, 20)
            while True:
                seen.add(json.loads(message)["hazard_id"])
                if {body["data"]["reportHazard"]["id"], again["data"]["reportHazard"]["id"]} <= seen:
                    break
                message = await asyncio.wait_for(subscription.__anext__(), 20)
            for _ in range(50):
                if await platform.publisher.backlog() == 0:
                    break
                await asyncio.sleep(0.2)
            assert await platform.publisher.backlog() == 0
            assert (await http.get("/readyz")).status_code == 200
    finally:
        received.cancel()
        with contextlib.suppress(BaseException):
            await received
        with contextlib.suppress(RuntimeError):
            await subscription.aclose()
        await direct.close()
        await proxy.stop()
        await platform.close()
