"""Refuse oversized GraphQL request bodies before they are read into memory (HTTP 413).

Large bytes never pass through GraphQL (ARCHITECTURE.md): photos and videos go to the object store.
A body over the limit is refused by its Content-Length, or, when it is sent in chunks, as soon as
the bytes read pass the limit.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.errors import ErrorCode

logger = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


class GraphQLBodyLimit:
    """ASGI middleware: bodies of HTTP requests under ``path_prefix`` may be at most ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, path_prefix: str = "/graphql") -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send, declared.decode("latin-1"))
            return
        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except* BodyTooLarge:  # also when a middleware in between wrapped it in an exception group
            if not response_started:
                await self._refuse(send, f"over {self.max_bytes}")

    async def _refuse(self, send: Send, size: str) -> None:
        logger.warning("refused a GraphQL request body of %s bytes (limit %s)", size, self.max_bytes)
        message = (f"The request body is larger than {self.max_bytes} bytes. Photos and videos go to the upload "
                   "URL from requestUpload, not through GraphQL.")
        refusal = {"message": message, "extensions": {"code": ErrorCode.PAYLOAD_TOO_LARGE.value}}
        body = json.dumps({"errors": [refusal]}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
