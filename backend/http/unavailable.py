"""A backing service outage (the database unreachable, a pool timeout) answers 503 with Retry-After.

GraphQL carries the same as an error with code UNAVAILABLE (backend/graphql/errors.py); plain HTTP routes
(upload PUTs, downloads) get this, so the app's outbox and the workers know to retry, not give up.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from backend.graphql.errors import RETRY_AFTER_SECONDS, UNAVAILABLE, UNAVAILABLE_MESSAGE, is_unavailable

logger = logging.getLogger(__name__)
_HANDLED: tuple[type[Exception], ...] = (sa_exc.DBAPIError, sa_exc.TimeoutError, sa_exc.DisconnectionError, OSError,
                                         asyncio.TimeoutError, TimeoutError)


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    if not is_unavailable(error):
        logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse({"error": "unexpected error"}, status_code=500)
    logger.warning("unavailable on %s %s: %s: %s", request.method, request.url.path, type(error).__name__, error)
    return JSONResponse({"error": UNAVAILABLE_MESSAGE, "code": UNAVAILABLE, "retryable": True}, status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def install(app: FastAPI) -> None:
    for kind in _HANDLED:
        app.add_exception_handler(kind, _unavailable)  # type: ignore[arg-type]
