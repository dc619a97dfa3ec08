"""The app's contract file, health endpoints and settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.config import DEV_SECRET, Settings
from backend.graphql.schema import SDL_PATH, build_schema
from tests.conftest import TEST_SECRET


def test_exported_sdl_matches_the_code() -> None:
    current = build_schema().as_str() + "\n"
    assert SDL_PATH.read_text() == current, "backend/schema.graphql is stale: run `minesafe schema export`"


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="MINESAFE_SECRET_KEY"):
        Settings(environment="production", secret_key=DEV_SECRET)
    with pytest.raises(ValidationError, match="MINESAFE_SECRET_KEY"):
        Settings(environment="production", secret_key="short")
    with pytest.raises(ValidationError, match="MINESAFE_S3_SECRET_KEY"):
        Settings(environment="production", secret_key=TEST_SECRET, store="s3")
    assert Settings(environment="production", secret_key=TEST_SECRET).graphiql_enabled is False
    assert Settings(environment="development").graphiql_enabled is True


async def test_health_readiness_and_metrics(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).json() == {"status": "ready"}
    await client.post("/graphql", json={"query": "{ __typename }"})
    metrics = (await client.get("/metrics")).text
    assert 'minesafe_http_requests_total{method="POST",route="/graphql"' in metrics
