"""contracts.client against a real backend and against malformed or hostile answers (a tiny local HTTP server)."""

from __future__ import annotations

import asyncio
import json
import select
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contracts.client import (
    MAX_IDLE_S,
    SERVER_KEEP_ALIVE_S,
    ApiError,
    GraphQLClient,
    ProtocolError,
    Refused,
    TransportError,
    Unauthenticated,
    Unavailable,
    data_of,
    union_result,
)
from contracts.errors import ErrorCode
from tests.conftest import free_port

ME = "query { me { username } }"
DISMISS = """mutation Dismiss($id: ID!, $reason: String!) {
  dismissHazard(hazardId: $id, reason: $reason) {
    __typename ... on Hazard { id } ... on NotFound { message } ... on NotAllowed { message }
    ... on ValidationFailed { message field } ... on InvalidTransition { message currentState }
  }
}"""


# --- against the real backend ---------------------------------------------------------------------------------------
async def test_a_signed_in_query_answers_its_data(live_server, make_mine) -> None:
    mine = await make_mine()
    client = GraphQLClient(live_server.url, token=mine.token("miner"), timeout=10)
    data = await asyncio.to_thread(client.execute, ME)
    assert data == {"me": {"username": mine.users["miner"].username}}


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_missing_or_refused_credentials_are_unauthenticated(live_server, token: str | None) -> None:
    with pytest.raises(Unauthenticated) as caught:
        await asyncio.to_thread(GraphQLClient(live_server.url, token=token).execute, ME)
    assert caught.value.code is ErrorCode.UNAUTHENTICATED and not caught.value.retryable


async def test_a_union_failure_member_is_a_refusal_with_its_code(live_server, make_mine) -> None:
    mine = await make_mine()
    client = GraphQLClient(live_server.url, token=lambda: mine.token("safety_officer"))
    data = await asyncio.to_thread(client.execute, DISMISS, {"id": str(uuid.uuid4()), "reason": "gone"})
    with pytest.raises(Refused) as caught:
        union_result(data, "dismissHazard", "Hazard")
    assert caught.value.code is ErrorCode.NOT_FOUND and not caught.value.retryable


async def test_a_document_the_schema_lacks_is_refused_not_retried(live_server, make_mine) -> None:
    mine = await make_mine()
    client = GraphQLClient(live_server.url, token=mine.token("miner"))
    with pytest.raises(Refused) as caught:
        await asyncio.to_thread(client.execute, "query { me { noSuchField } }")
    assert caught.value.code is ErrorCode.BAD_USER_INPUT and not caught.value.retryable


async def test_a_variable_of_the_wrong_type_is_bad_user_input(live_server, make_mine) -> None:
    mine = await make_mine()
    client = GraphQLClient(live_server.url, token=mine.token("safety_officer"))
    with pytest.raises(Refused) as caught:
        await asyncio.to_thread(client.execute, DISMISS, {"id": {"not": "an id"}, "reason": "x"})
    assert caught.value.code is ErrorCode.BAD_USER_INPUT


def test_an_unreachable_server_is_a_retryable_transport_error() -> None:
    with pytest.raises(TransportError) as caught:
        GraphQLClient(f"http://127.0.0.1:{free_port()}", timeout=2).execute(ME)
    assert caught.value.retryable


# --- against hostile answers -----------------------------------------------------------------------------------------
@dataclass
class Canned:
    status: int = 200
    body: bytes | str | object = b""
    headers: dict[str, str] = field(default_factory=dict)


class Hostile:
    """A local HTTP server answering every request with `answer`; it records the headers it received."""

    def __init__(self) -> None:
        self.answer = Canned()
        self.received: list[dict[str, str]] = []
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hostile.received.append(dict(self.headers))
                answer = hostile.answer
                body = answer.body if isinstance(answer.body, bytes) else (
                    answer.body.encode() if isinstance(answer.body, str) else json.dumps(answer.body).encode())
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hostile() -> Iterator[Hostile]:
    server = Hostile()
    yield server
    server.close()


def failure(hostile: Hostile, answer: Canned, **client: object) -> ApiError:
    hostile.answer = answer
    with pytest.raises(ApiError) as caught:
        GraphQLClient(hostile.url, token="secret-token", **client).execute(ME)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(("answer", "kind", "code"), [
    (Canned(200, "<html>captive portal</html>"), ProtocolError, ErrorCode.INTERNAL),
    (Canned(200, [1, 2]), ProtocolError, ErrorCode.INTERNAL),
    (Canned(200, {"errors": "boom"}), ProtocolError, ErrorCode.INTERNAL),
    (Canned(200, {"data": None}), ProtocolError, ErrorCode.INTERNAL),
    (Canned(200, {"data": "me"}), ProtocolError, ErrorCode.INTERNAL),
    (Canned(200, b'{"data": {"me": '), ProtocolError, ErrorCode.INTERNAL),
    (Canned(404, "no such page"), ProtocolError, ErrorCode.INTERNAL),
    (Canned(502, "<html>bad gateway</html>"), Unavailable, ErrorCode.UNAVAILABLE),
    (Canned(401, "who are you"), Unauthenticated, ErrorCode.UNAUTHENTICATED),
    (Canned(403, "go away"), Refused, ErrorCode.FORBIDDEN),
    (Canned(413, "too big"), Refused, ErrorCode.PAYLOAD_TOO_LARGE),
    # a fault the server masked sits on a field and has no code
    (Canned(200, {"data": None, "errors": [{"message": "Unexpected error.", "path": ["me"]}]}),
     Unavailable, ErrorCode.INTERNAL),
    (Canned(200, {"errors": [{"message": "x", "extensions": {"code": "SOMETHING_NEW"}}]}),
     Unavailable, ErrorCode.INTERNAL),
    (Canned(200, {"errors": [{"message": "x", "extensions": "nonsense"}, 7]}), Refused, ErrorCode.BAD_USER_INPUT),
    # codes win over the status and over any message text
    (Canned(400, {"errors": [{"message": "not authenticated: token expired",
                              "extensions": {"code": "BAD_USER_INPUT", "field": "input.title"}}]}),
     Refused, ErrorCode.BAD_USER_INPUT),
    (Canned(200, {"errors": [{"message": "unexpected", "extensions": {"code": "FORBIDDEN"}}]}),
     Refused, ErrorCode.FORBIDDEN),
    (Canned(200, {"errors": [{"message": "a", "extensions": {"code": "NOT_FOUND"}},
                             {"message": "b", "extensions": {"code": "UNAUTHENTICATED"}}]}),
     Unauthenticated, ErrorCode.UNAUTHENTICATED),
    (Canned(200, {"errors": [{"message": "a", "extensions": {"code": "BAD_USER_INPUT"}},
                             {"message": "b", "extensions": {"code": "UNAVAILABLE"}}]}),
     Unavailable, ErrorCode.UNAVAILABLE),
])
def test_every_answer_is_one_error_of_the_taxonomy(hostile: Hostile, answer: Canned, kind: type[ApiError],
                                                   code: ErrorCode) -> None:
    error = failure(hostile, answer)
    assert type(error) is kind and error.code is code
    assert error.retryable is (kind in (ProtocolError, Unavailable, TransportError))


def test_a_refused_field_is_named(hostile: Hostile) -> None:
    error = failure(hostile, Canned(200, {"errors": [{"message": "too long",
                                                      "extensions": {"code": "BAD_USER_INPUT", "field": "title"}}]}))
    assert isinstance(error, Refused) and error.field == "title"


@pytest.mark.parametrize(("answer", "seconds"), [
    (Canned(503, '{"error": "down", "code": "UNAVAILABLE"}', {"Retry-After": "7"}), 7.0),
    (Canned(200, {"errors": [{"message": "down", "extensions": {"code": "UNAVAILABLE", "retryAfterSeconds": 5}}]}),
     5.0),
    (Canned(200, {"errors": [{"message": "down", "extensions": {"code": "UNAVAILABLE",
                                                                 "retryAfterSeconds": 10 ** 9}}]}), 3600.0),
    (Canned(429, "slow down", {"Retry-After": "soon"}), None),
    (Canned(200, '{"errors": [{"message": "down", "extensions": {"code": "UNAVAILABLE", "retryAfterSeconds": NaN}}]}'),
     None),
])
def test_retry_after_comes_from_the_server_within_bounds(hostile: Hostile, answer: Canned,
                                                         seconds: float | None) -> None:
    error = failure(hostile, answer)
    assert isinstance(error, Unavailable) and error.retry_after == seconds


def test_retry_after_as_an_http_date(hostile: Hostile) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=2), usegmt=True)
    error = failure(hostile, Canned(503, "", {"Retry-After": when}))
    assert isinstance(error, Unavailable) and error.retry_after is not None and 60 < error.retry_after <= 120


def test_a_redirect_is_not_followed_and_the_token_stays_home(hostile: Hostile) -> None:
    elsewhere = Hostile()
    try:
        error = failure(hostile, Canned(307, "", {"Location": elsewhere.url + "/graphql"}))
        assert isinstance(error, ProtocolError)
        assert elsewhere.received == []
        assert hostile.received[-1]["Authorization"] == "Bearer secret-token"
    finally:
        elsewhere.close()


def test_an_answer_over_the_size_limit_is_refused_unread(hostile: Hostile) -> None:
    error = failure(hostile, Canned(200, {"data": {"me": {"username": "x" * 5000}}}), max_bytes=1000)
    assert isinstance(error, ProtocolError)


def silent_server(accept: bool, close: bool) -> tuple[socket.socket, str]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        if close:
            connection.close()

    if accept:
        threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("close", [True, False], ids=["closed-without-answer", "never-answers"])
def test_a_connection_that_breaks_or_stalls_is_a_transport_error(close: bool) -> None:
    listener, url = silent_server(accept=True, close=close)
    try:
        with pytest.raises(TransportError) as caught:
            GraphQLClient(url, timeout=0.5).execute(ME)
        assert caught.value.retryable
    finally:
        listener.close()


def test_union_results() -> None:
    assert union_result({"f": {"__typename": "Hazard", "id": "1"}}, "f", "Hazard")["id"] == "1"
    with pytest.raises(Refused) as caught:
        union_result({"f": {"__typename": "InvalidTransition", "message": "closed", "currentState": "CLOSED"}},
                     "f", "Hazard")
    assert caught.value.code is ErrorCode.INVALID_TRANSITION and caught.value.current_state == "CLOSED"
    with pytest.raises(Refused) as rejected:
        union_result({"f": {"__typename": "PhotoRejected", "message": "not an image"}}, "f", "Hazard")
    assert rejected.value.code is ErrorCode.PHOTO_REJECTED
    for hostile_answer in ({"f": {"__typename": "Surprise"}}, {"f": None}, {}, {"f": [1]}):
        with pytest.raises(ProtocolError):
            union_result(hostile_answer, "f", "Hazard")


def test_a_subscription_payload_uses_the_same_taxonomy() -> None:
    assert data_of({"data": {"alerts": {"id": "1"}}}) == {"alerts": {"id": "1"}}
    with pytest.raises(Unauthenticated):
        data_of({"errors": [{"message": "x", "extensions": {"code": "UNAUTHENTICATED"}}]})


async def test_a_client_keeps_its_connection_alive(live_server, make_mine) -> None:
    mine = await make_mine()
    client = GraphQLClient(live_server.url, token=mine.token("miner"))

    def twice() -> tuple[dict[object, object], dict[object, object]]:
        client.execute(ME)
        first = dict(client.connections.open)
        client.execute(ME)
        return first, dict(client.connections.open)

    first, second = await asyncio.to_thread(twice)
    assert len(first) == 1 and first == second  # the same connection object served both calls
    assert client.connections.open == {}  # kept per thread: this one has none
    client.close()


def answer_me(handler: BaseHTTPRequestHandler) -> None:
    """A kept-alive (HTTP/1.1, sized) answer to the ME query."""
    body = b'{"data": {"me": {"username": "miner"}}}'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class CountsConnections(BaseHTTPRequestHandler):
    """HTTP/1.1; counts the connections it was given."""

    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self) -> None:
        super().setup()
        type(self).connections += 1

    def log_message(self, *args: object) -> None:
        pass


class ClosesAfterEachAnswer(CountsConnections):
    """HTTP/1.1 without ``Connection: close``, then the connection is closed: a kept-alive connection gone stale."""

    closed = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer_me(self)
        self.close_connection = True


class SaysWhenItClosed(ThreadingHTTPServer):
    """Sets its handler's ``closed`` once the socket is shut down (a handler's finish() comes before that)."""

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        super().shutdown_request(request)
        self.RequestHandlerClass.closed.set()  # type: ignore[attr-defined]


def test_a_kept_connection_the_server_closed_is_replaced_not_failed() -> None:
    server = SaysWhenItClosed(("127.0.0.1", 0), ClosesAfterEachAnswer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = GraphQLClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=5)
        assert client.execute(ME) == {"me": {"username": "miner"}}
        assert len(client.connections.open) == 1  # kept: the answer did not say it would close
        assert ClosesAfterEachAnswer.closed.wait(5)
        (kept,) = client.connections.open.values()
        assert select.select([kept.sock], [], [], 5)[0]  # the server's FIN has reached the client
        assert client.execute(ME) == {"me": {"username": "miner"}}
        assert ClosesAfterEachAnswer.connections == 2
    finally:
        server.shutdown()
        server.server_close()


class ClosesTheKeptConnectionOnItsNextRequest(CountsConnections):
    """Answers a connection's first request and keeps it; its next request is read and then the connection is
    closed without an answer: a reply lost on the way back, which the client cannot tell from a stale connection."""

    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received += 1
        if getattr(self, "answered", False):
            self.close_connection = True   # nothing sent: the client sees the connection drop
            return
        self.answered = True
        answer_me(self)

    def log_message(self, *args: object) -> None:
        pass


def test_a_request_whose_answer_was_lost_is_not_sent_again_behind_the_callers_back() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), ClosesTheKeptConnectionOnItsNextRequest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = GraphQLClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=5)
        assert client.execute(ME) == {"me": {"username": "miner"}}
        with pytest.raises(TransportError) as lost:
            client.execute(ME)
        assert lost.value.retryable                                   # the caller retries, with its own key
        assert ClosesTheKeptConnectionOnItsNextRequest.received == 2  # the server saw it once, not twice
        assert client.execute(ME) == {"me": {"username": "miner"}}    # on a new connection
        assert ClosesTheKeptConnectionOnItsNextRequest.connections == 2
    finally:
        server.shutdown()
        server.server_close()


class KeepsConnectionsAlive(CountsConnections):
    """Answers every request and keeps the connection."""


    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer_me(self)

    def log_message(self, *args: object) -> None:
        pass


def test_a_connection_idle_near_the_servers_keep_alive_timeout_is_not_reused() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepsConnectionsAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = GraphQLClient(f"http://127.0.0.1:{server.server_address[1]}", timeout=5, max_idle_s=0.2)
        client.execute(ME)
        client.execute(ME)
        assert KeepsConnectionsAlive.connections == 1   # reused while fresh
        time.sleep(0.3)
        client.execute(ME)
        assert KeepsConnectionsAlive.connections == 2   # idle too long: a new one, not a race with the server's close
    finally:
        server.shutdown()
        server.server_close()


def test_the_client_stops_reusing_well_before_the_backend_closes() -> None:
    assert MAX_IDLE_S < SERVER_KEEP_ALIVE_S / 2
