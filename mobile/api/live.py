"""Live events over graphql-transport-ws (websockets), reconnecting with backoff.

One `LiveEvents` keeps one subscription open (hazardEvents by default; the alerts screen passes its
own document and parser). Runs its own asyncio loop on a daemon thread; `on_event` is called from
that thread (the app hands it to the UI thread with `@mainthread`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
import uuid
from collections.abc import Callable
from typing import Any

import websockets

from contracts.client import ApiError, ProtocolError, Unauthenticated, graphql_error
from mobile.api import operations as ops
from mobile.api.client import ApiClient
from mobile.api.service import parse_event
from mobile.settings import graphql_ws_url

logger = logging.getLogger(__name__)

SUBPROTOCOL = "graphql-transport-ws"


def reconnect_delay(failures: int, *, base_s: float = 1.0, cap_s: float = 30.0,
                    jitter: Callable[[], float] = random.random) -> float:
    """1, 2, 4 … 30 s with up to 25 % jitter, so that many phones do not reconnect in step."""
    return min(cap_s, base_s * (2 ** max(0, failures))) * (1.0 + 0.25 * jitter())


class LiveEvents:
    """Keeps one subscription open while the user is signed in (hazardEvents unless told otherwise)."""

    def __init__(self, *, client: ApiClient, on_event: Callable[[Any], None],
                 on_status: Callable[[bool], None] | None = None, base_delay_s: float = 1.0,
                 document: str = ops.HAZARD_EVENTS, parse: Callable[[dict[str, Any]], Any] = parse_event,
                 name: str = "live-events") -> None:
        self.client = client
        self.on_event = on_event
        self.document = document
        self.parse = parse
        self.name = name
        self.on_status = on_status
        self.base_delay_s = base_delay_s
        self.variables: dict[str, Any] = {}
        self.connected = False
        self.ever_connected = False      # since start(): "connecting" until the first connection, then "reconnecting"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._restart: asyncio.Event | None = None
        self._ready = threading.Event()

    def start(self, **variables: Any) -> None:
        """Subscribe with these filters (areaId, assigneeId); restarts an open subscription."""
        self.variables = {k: v for k, v in variables.items() if v is not None}
        if self._thread and self._thread.is_alive():
            self.restart()
            return
        self._stopping.clear()
        self._ready.clear()
        self.ever_connected = False
        self._thread = threading.Thread(target=self._thread_main, name=self.name, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def restart(self) -> None:
        if self._loop and self._restart:
            self._loop.call_soon_threadsafe(self._restart.set)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.restart()
        if self._thread:
            self._thread.join(timeout)
        self._thread = None

    def _thread_main(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()
            self._loop = None

    def _set_connected(self, value: bool) -> None:
        if value:
            self.ever_connected = True
        if self.connected != value:
            self.connected = value
            if self.on_status:
                self.on_status(value)

    async def _main(self) -> None:
        self._restart = asyncio.Event()
        self._ready.set()
        failures = 0
        while not self._stopping.is_set():
            self._restart.clear()
            try:
                token = await asyncio.to_thread(self.client.access_token)
                await self._session(token)
                failures = 0
            except Unauthenticated:
                logger.info("live events paused: not signed in")
                failures = max(failures, 4)
            except (TimeoutError, OSError, ApiError, websockets.WebSocketException) as error:
                logger.info("live events disconnected: %s", error)
            except Exception:
                logger.exception("live events failed")
            self._set_connected(False)
            if self._stopping.is_set():
                break
            delay = reconnect_delay(failures, base_s=self.base_delay_s)
            failures += 1
            try:
                await asyncio.wait_for(self._restart.wait(), timeout=delay)
                failures = 0
            except TimeoutError:
                pass

    async def _session(self, token: str) -> None:
        url = graphql_ws_url(self.client.base_url)
        async with websockets.connect(url, subprotocols=[SUBPROTOCOL], open_timeout=10,
                                      ping_interval=20, ping_timeout=20) as ws:
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {token}"}}))
            ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            if ack.get("type") != "connection_ack":
                raise ProtocolError(f"no connection_ack: {ack.get('type')}")
            sub_id = str(uuid.uuid4())
            await ws.send(json.dumps({"id": sub_id, "type": "subscribe", "payload": {
                "query": self.document, "variables": self.variables}}))
            self._set_connected(True)
            logger.info("%s connected to %s", self.name, url)
            restart_wait = asyncio.ensure_future(self._restart.wait())
            try:
                while True:
                    receive = asyncio.ensure_future(ws.recv())
                    done, _ = await asyncio.wait({receive, restart_wait}, return_when=asyncio.FIRST_COMPLETED)
                    if restart_wait in done:
                        receive.cancel()
                        return
                    message = json.loads(receive.result())
                    kind = message.get("type")
                    if kind == "ping":
                        await ws.send(json.dumps({"type": "pong"}))
                    elif kind == "next" and message.get("id") == sub_id:
                        try:
                            event = self.parse(message.get("payload") or {})
                        except Exception:
                            logger.exception("bad %s event", self.name)
                            continue
                        self.on_event(event)
                    elif kind == "error":
                        payload = message.get("payload")
                        raise graphql_error(payload if isinstance(payload, list) else [payload])
                    elif kind == "complete":
                        raise ProtocolError("subscription completed by the server")
            finally:
                restart_wait.cancel()
