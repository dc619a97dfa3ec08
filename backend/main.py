"""The FastAPI application: GraphQL (HTTP + graphql-transport-ws), uploads, health and metrics."""

from __future__ import annotations

import asyncio
import gc
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pydantic_core
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.types import Receive, Scope, Send
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from backend.alerts.tasks import sweep_loop
from backend.config import Settings, get_settings
from backend.graphiql import ASSETS_DIR as GRAPHIQL_ASSETS
from backend.graphiql import URL_PREFIX as GRAPHIQL_URL_PREFIX
from backend.graphiql import LocalGraphiQL
from backend.graphql.context import Context, context_for
from backend.graphql.schema import build_schema
from backend.http import unavailable
from backend.http.body_limit import GraphQLBodyLimit
from backend.http.security_headers import SecurityHeaders
from backend.metrics import RequestMetrics
from backend.permits.interlock import presence_loop as permits_presence_loop
from backend.permits.interlock import sweep_loop as permits_sweep_loop
from backend.platform import Platform
from backend.positioning.tasks import sweep_loop as positioning_sweep_loop
from backend.reports.tasks import sweep_loop as reports_sweep_loop
from backend.sensors.tasks import bridge_watch_loop, retention_loop
from backend.storage.routes import router as storage_router

logger = logging.getLogger(__name__)


CONTEXT_SCOPE_KEY = "minesafe.context"


class MinesafeGraphQL(LocalGraphiQL):
    """The GraphQL endpoint (HTTP and graphql-transport-ws), strawberry's ASGI app on a plain Starlette route.

    Not strawberry's FastAPI router: that one solves FastAPI dependencies on every request (about 5 % of an
    answer save's CPU) only to build the context, which needs nothing but the connection. Each connection's
    Context is closed once its answer is sent or its websocket is over. Answers are encoded by pydantic-core's
    JSON encoder (Rust, ~5× json.dumps on a page of hazards; the same JSON, non-ASCII text as UTF-8 instead of
    \\u escapes).
    """

    path = "/graphql"

    async def get_context(self, request: Request | WebSocket, response: object) -> Context:  # type: ignore[override]
        context = request.scope[CONTEXT_SCOPE_KEY] = context_for(request)
        return context

    def encode_json(self, data: object) -> bytes:
        return pydantic_core.to_json(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("route", self)  # FastAPI names only its own routes there; /metrics labels by route.path
        try:
            await super().__call__(scope, receive, send)
        finally:
            context: Context | None = scope.pop(CONTEXT_SCOPE_KEY, None)
            if context is not None:
                await context.close()


def _bearer_matches(request: Request, token: str | None) -> bool:
    """Whether the request carries `Authorization: Bearer <token>` (never, when no token is configured)."""
    if not token:
        return False
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


def freeze_startup_heap() -> None:
    """Move everything alive after start-up (modules, the schema, ORM mappers: ~400,000 objects) out of the
    garbage collector's view (`gc.freeze`). A full collection otherwise walks all of it again and again while
    requests run: under 100 concurrent exam saves, full collections were half of the collector's time, about
    0.08 ms of CPU per save. What is frozen stays for the process's life, as it would anyway."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    """The app; pass a Platform to share one (tests), else it is built from settings at start-up."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = platform is None
        app.state.platform = platform or Platform.from_settings(settings)
        ensure = getattr(app.state.platform.store, "ensure_bucket", None)
        if ensure is not None:
            await ensure()
        logger.info("minesafe backend up (%s, store=%s, bus=%s)", settings.environment, settings.store,
                    settings.event_bus)
        app.state.platform.publisher.start()  # also delivers what an earlier run left in the outbox
        background = [asyncio.create_task(retention_loop(app.state.platform), name="sensor-retention"),
                      asyncio.create_task(sweep_loop(app.state.platform), name="alerts-sweep"),
                      asyncio.create_task(bridge_watch_loop(app.state.platform), name="sensor-bridge-watch"),
                      asyncio.create_task(reports_sweep_loop(app.state.platform), name="reports-sweep"),
                      asyncio.create_task(permits_sweep_loop(app.state.platform), name="permits-sweep"),
                      asyncio.create_task(permits_presence_loop(app.state.platform), name="permits-presence"),
                      asyncio.create_task(positioning_sweep_loop(app.state.platform), name="positioning-sweep")]
        if owned:  # a server, not a test sharing its Platform
            freeze_startup_heap()
        yield
        if owned:  # a server run inside another process (a test's) leaves that process's collector as it was
            gc.unfreeze()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if owned:
            await app.state.platform.close()

    production = settings.environment == "production"
    app = FastAPI(title="minesafe", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None if production else "/openapi.json")
    app.add_middleware(RequestMetrics)
    unavailable.install(app)
    app.add_middleware(GraphQLBodyLimit, max_bytes=settings.graphql_max_body_bytes)
    app.add_middleware(SecurityHeaders, production=production)
    graphql = MinesafeGraphQL(build_schema(settings), graphql_ide="graphiql" if settings.graphiql_enabled else None,
                              subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL])
    app.add_route(graphql.path, graphql, methods=["GET", "POST"])
    app.router.add_websocket_route(graphql.path, graphql)
    if settings.graphiql_enabled:  # its JS and CSS from here, not from a CDN (backend/graphiql)
        app.mount(GRAPHIQL_URL_PREFIX, StaticFiles(directory=GRAPHIQL_ASSETS), name="graphiql-static")
    app.include_router(storage_router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        try:
            async with app.state.platform.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:
            logger.warning("not ready: %s", error)
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        publisher = app.state.platform.publisher
        if not await publisher.ping():  # writes still succeed; live events wait in the outbox until it is back
            logger.warning("not ready: event bus %s", publisher.last_error)
            return JSONResponse({"status": "unavailable", "database": "up", "bus": "down",
                                 "outbox": await publisher.backlog()}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", response_model=None)
    async def metrics(request: Request) -> PlainTextResponse | JSONResponse:
        if production and not _bearer_matches(request, settings.metrics_token):  # closed unless token-gated
            return JSONResponse({"error": "not found"}, status_code=404)
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    return app
