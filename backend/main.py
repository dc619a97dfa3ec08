"""The FastAPI application: GraphQL (HTTP + graphql-transport-ws), uploads, health and metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from backend.alerts.tasks import sweep_loop
from backend.config import Settings, get_settings
from backend.graphql.context import get_context
from backend.graphql.schema import build_schema
from backend.http.body_limit import GraphQLBodyLimit
from backend.metrics import record_request
from backend.platform import Platform
from backend.sensors.tasks import retention_loop
from backend.storage.routes import router as storage_router

logger = logging.getLogger(__name__)


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
        background = [asyncio.create_task(retention_loop(app.state.platform), name="sensor-retention"),
                      asyncio.create_task(sweep_loop(app.state.platform), name="alerts-sweep")]
        yield
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        if owned:
            await app.state.platform.close()

    app = FastAPI(title="minesafe", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.middleware("http")(record_request)
    app.add_middleware(GraphQLBodyLimit, max_bytes=settings.graphql_max_body_bytes)
    graphql = GraphQLRouter(
        build_schema(settings),
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
    )
    app.include_router(graphql, prefix="/graphql")
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
        return JSONResponse({"status": "ready"})

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    return app
