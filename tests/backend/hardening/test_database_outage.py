"""With PostgreSQL really unreachable, clients get a typed, retryable UNAVAILABLE (issue 9 item 12).

The database sits behind a local TCP proxy that the test stops; nothing touches the shared server.
"""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest
from sqlalchemy.engine import make_url

from backend.main import create_app
from backend.platform import Platform
from tests.backend.api import REPORT, jpeg_bytes, request_upload
from tests.tcp_proxy import TcpProxy


async def test_an_outage_is_unavailable_and_retryable_then_the_retry_succeeds(database_url, settings_for,
                                                                                make_mine, caplog) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("an unreachable server is a PostgreSQL outage; SQLite is a file in the process")
    proxy = await TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    settings = settings_for(url.set(port=proxy.port).render_as_string(hide_password=False),
                            database_pool_timeout_seconds=3)
    platform = Platform.from_settings(settings)
    app = create_app(settings, platform)
    app.state.platform = platform
    mine = await make_mine()
    token = mine.token("miner")
    data = jpeg_bytes()
    variables = {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]),
                           "description": "water on the belt", "photoKeys": []}}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            ticket = await request_upload(http, token, size=len(data))
            await proxy.stop()
            with caplog.at_level(logging.INFO):
                body = (await http.post("/graphql", json={"query": REPORT, "variables": variables},
                                        headers={"Authorization": f"Bearer {token}"})).json()
                put = await http.put(ticket["url"], content=data, headers={"Content-Type": "image/jpeg"})
                device = (await http.post("/graphql", json={"query": "{ __typename }"}, headers={
                    "Authorization": f"Bearer {next(iter(mine.device_tokens.values()))}"})).json()
            assert device["errors"][0]["extensions"]["code"] == "UNAVAILABLE", device  # the token lookup failed
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "UNAVAILABLE" and error["extensions"]["retryable"] is True, body
            assert error["message"] != "Unexpected error."
            assert put.status_code == 503 and put.headers["Retry-After"].isdigit(), (put.status_code, put.text)
            assert put.json()["code"] == "UNAVAILABLE"
            assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
            assert (await http.get("/readyz")).status_code == 503

            await proxy.start()  # the database is back: the same retries now succeed
            put = await http.put(ticket["url"], content=data, headers={"Content-Type": "image/jpeg"})
            assert put.status_code == 200, put.text
            variables["input"]["photoKeys"] = [ticket["key"]]
            body = (await http.post("/graphql", json={"query": REPORT, "variables": variables},
                                    headers={"Authorization": f"Bearer {token}"})).json()
            assert body["data"]["reportHazard"]["__typename"] == "Hazard", body
    finally:
        await proxy.stop()
        await platform.close()
