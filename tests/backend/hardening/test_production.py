"""Production closes what development leaves open, adds security headers and refuses weak secrets (item 14)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pydantic import ValidationError

from backend.config import DEV_SECRET, Settings
from backend.main import create_app
from backend.platform import Platform
from tests.conftest import TEST_SECRET

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Hazard") { name } }'


def test_weak_and_public_secrets_are_refused() -> None:
    for weak in ("x" * 40, "a" * 32, "abcdefgh" * 4, "short", DEV_SECRET):
        with pytest.raises(ValidationError, match="MINESAFE_SECRET_KEY"):
            Settings(environment="production", secret_key=weak)
    with pytest.raises(ValidationError, match="MINESAFE_SECRET_KEY"):
        Settings(environment="test")  # the development secret is public: test runs must set their own
    for strong in (secrets.token_hex(32), secrets.token_hex(16), secrets.token_urlsafe(32)):
        assert Settings(environment="production", secret_key=strong).environment == "production"
    assert Settings(environment="development").secret_key == DEV_SECRET


@asynccontextmanager
async def app_client(database_url: str, tmp_path, **overrides) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, store_folder=tmp_path,
                        public_url="http://testserver", **overrides)
    platform = Platform.from_settings(settings)
    app = create_app(settings, platform)
    app.state.platform = platform
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield http
    finally:
        await platform.close()


async def test_production_closes_introspection_metrics_and_openapi(database_url, make_mine, tmp_path) -> None:
    mine = await make_mine()
    token = mine.token("miner")
    async with app_client(database_url, tmp_path, environment="production", metrics_token="scrape-" + "k" * 8) as http:
        for query in (SCHEMA, TYPE, "{ me { id } __schema { queryType { name } } }"):
            body = (await http.post("/graphql", json={"query": query})).json()
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and body["data"] is None, body
        signed_in = (await http.post("/graphql", json={"query": SCHEMA},
                                     headers={"Authorization": f"Bearer {token}"})).json()
        assert signed_in["data"]["__schema"]["queryType"]["name"] == "Query"
        assert (await http.post("/graphql", json={"query": "{ __typename }"})).json()["data"] == {
            "__typename": "Query"}
        assert (await http.get("/openapi.json")).status_code == 404
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 404
        scraped = await http.get("/metrics", headers={"Authorization": "Bearer scrape-kkkkkkkk"})
        assert scraped.status_code == 200 and "minesafe_http_requests_total" in scraped.text
        for response in (await http.get("/healthz"), await http.post("/graphql", json={"query": "{ __typename }"})):
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_development_keeps_its_tools_open(database_url, tmp_path) -> None:
    async with app_client(database_url, tmp_path, environment="test") as http:
        assert (await http.post("/graphql", json={"query": SCHEMA})).json()["data"]["__schema"]
        assert (await http.get("/metrics")).status_code == 200
        assert (await http.get("/openapi.json")).status_code == 200
        assert (await http.get("/healthz")).headers["X-Content-Type-Options"] == "nosniff"
