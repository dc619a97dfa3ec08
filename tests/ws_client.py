"""A minimal graphql-transport-ws client for tests (the protocol the app and workers speak)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets


class Subscription:
    def __init__(self, socket: websockets.ClientConnection, operation_id: str) -> None:
        self.socket = socket
        self.operation_id = operation_id

    async def next(self, wait_s: float = 10) -> dict[str, Any]:
        """The next payload for this subscription (data or errors)."""
        while True:
            message = json.loads(await asyncio.wait_for(self.socket.recv(), wait_s))
            if message.get("id") != self.operation_id:
                continue
            if message["type"] in ("next", "error"):
                return message["payload"]
            if message["type"] == "complete":
                raise StopAsyncIteration


@asynccontextmanager
async def subscribe(ws_url: str, query: str, variables: dict[str, Any] | None = None, *,
                    token: str | None = None) -> AsyncIterator[Subscription]:
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as socket:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert ack["type"] == "connection_ack", ack
        operation_id = str(uuid.uuid4())
        await socket.send(json.dumps({"id": operation_id, "type": "subscribe",
                                      "payload": {"query": query, "variables": variables or {}}}))
        await asyncio.sleep(0.3)  # let the server register the subscription before the test acts
        yield Subscription(socket, operation_id)
