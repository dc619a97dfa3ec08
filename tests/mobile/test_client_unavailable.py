"""The app's client answers with the contract's errors: the server's UNAVAILABLE (a database outage) is retryable,
so the outbox retries it; a refused input is not; a server that cannot be reached says so to on_reachable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.client import Refused, TransportError, Unavailable
from mobile.api.client import ApiClient
from mobile.api.session import SessionStore
from mobile.storage import LocalStore
from tests.conftest import free_port
from tests.contracts.test_client import Canned, Hostile

UNAVAILABLE = {"data": None, "errors": [{"message": "the service is briefly unavailable; retry shortly",
                                         "extensions": {"code": "UNAVAILABLE", "retryable": True,
                                                        "retryAfterSeconds": 5}}]}
REFUSED = {"data": None, "errors": [{"message": "input.title contains a control character (U+0000)",
                                     "extensions": {"code": "BAD_USER_INPUT", "field": "input.title"}}]}


@pytest.fixture
def server() -> Iterator[Hostile]:
    hostile = Hostile()
    yield hostile
    hostile.close()


def client_of(url: str, folder: Path, reached: list[bool]) -> ApiClient:
    client = ApiClient(server_url=lambda: url, sessions=SessionStore(LocalStore(folder / "s.db")), timeout=5)
    client.on_reachable = reached.append
    return client


def test_unavailable_is_retryable_and_a_refusal_is_not(server: Hostile, tmp_path: Path) -> None:
    reached: list[bool] = []
    client = client_of(server.url, tmp_path, reached)
    server.answer = Canned(200, UNAVAILABLE)
    with pytest.raises(Unavailable) as outage:
        client.execute("{ me { id } }", auth=False)
    assert outage.value.retryable and outage.value.retry_after == 5
    server.answer = Canned(200, REFUSED)
    with pytest.raises(Refused) as refused:
        client.execute("{ me { id } }", auth=False)
    assert not refused.value.retryable and refused.value.field == "input.title"
    assert reached == [True, True]


def test_an_unreachable_server_is_a_transport_error(tmp_path: Path) -> None:
    reached: list[bool] = []
    with pytest.raises(TransportError):
        client_of(f"http://127.0.0.1:{free_port()}", tmp_path, reached).execute("{ me { id } }", auth=False)
    assert reached == [False]
