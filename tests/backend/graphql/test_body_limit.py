"""An oversized GraphQL body is refused with 413 before it is read into memory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

LIMIT = 4 * 1024 * 1024


def _query_of(size: int) -> bytes:
    padding = "x" * size
    return ('{"query": "{ __typename }", "variables": {"padding": "' + padding + '"}}').encode()


async def test_a_body_over_the_limit_is_refused_by_its_length(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=_query_of(LIMIT + 1),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "requestUpload" in error["message"]


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(client: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }", "variables": {"padding": "'
        for _ in range(64):
            sent += 128 * 1024
            yield b"x" * (128 * 1024)
        yield b'"}}'

    response = await client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_bad_content_length_is_refused(client: httpx.AsyncClient) -> None:
    request = client.build_request("POST", "/graphql", content=b'{"query": "{ __typename }"}',
                                   headers={"content-type": "application/json"})
    request.headers["content-length"] = "-5"
    response = await client.send(request)
    assert response.status_code == 413


async def test_a_body_under_the_limit_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", content=_query_of(LIMIT // 2),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}
