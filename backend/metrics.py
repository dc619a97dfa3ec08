"""Prometheus metrics of the HTTP layer."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED_ROUTE = "<unmatched>"  # every URL no route matches shares one label, so random paths cannot grow /metrics
REQUESTS = Counter("minesafe_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("minesafe_http_request_seconds", "HTTP request latency", ["method", "route"])


class RequestMetrics:
    """Counts and times every HTTP request by its route template (`/uploads/{token}`) and status.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware runs each request through a task group and
    memory streams, which cost more CPU per request than the metrics themselves. A request that fails
    before answering counts as a 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            path = getattr(scope.get("route"), "path", "") or UNMATCHED_ROUTE
            REQUESTS.labels(scope["method"], path, str(status)).inc()
            LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
