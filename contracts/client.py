"""One GraphQL-over-HTTP client for every process, with one error taxonomy (standard library only: http.client,
connections kept alive per thread, redirects never followed, answers read up to a size limit).

Every failure is one of the ``ApiError`` family, classified by the codes of contracts.errors (a top-level
``extensions.code``, a union member's ``__typename``, or the HTTP status of an answer that is not GraphQL),
never by message text:

- ``Unauthenticated``: the credentials were refused; sign in again (or fix the device token).
- ``Refused``: the server refused this input for good (FORBIDDEN, NOT_FOUND, INVALID_TRANSITION, BAD_USER_INPUT,
  PHOTO_REJECTED, PAYLOAD_TOO_LARGE); sending it again unchanged cannot succeed.
- ``Unavailable``: the server or a backing service is briefly unavailable, or a fault was masked; nothing was
  saved, try again (``retry_after`` seconds when the server said).
- ``TransportError``: the server could not be reached or the connection broke; try again.
- ``ProtocolError``: the answer is not a GraphQL answer this client understands (a proxy's page, a redirect,
  a body over the size limit); nothing says the operation was refused, so it is worth trying again.

``retryable`` says which is which: an outbox keeps an item on a retryable error and gives it up on a refusal.
An error without a code is classified by where it sits (the GraphQL spec): with a ``path`` it is a field's
fault the server masked (INTERNAL); without one, in an answer under 500, the server refused the document itself
(BAD_USER_INPUT).
"""

from __future__ import annotations

import http.client
import json
import math
import select
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import Any, ClassVar

from contracts.errors import RETRYABLE, UNION_MEMBERS, ErrorCode, code_of

MAX_ANSWER_BYTES = 32 * 1024 * 1024
MAX_RETRY_AFTER_S = 3600.0
# the backend closes a connection idle this long (uvicorn's timeout_keep_alive, set from here in backend/cli.py);
# a client reuses one only while it has been idle well under that, so the server's close never crosses a request
SERVER_KEEP_ALIVE_S = 5.0
MAX_IDLE_S = 2.0
_STATUS_CODES: dict[int, ErrorCode] = {401: ErrorCode.UNAUTHENTICATED, 403: ErrorCode.FORBIDDEN,
                                       413: ErrorCode.PAYLOAD_TOO_LARGE,
                                       408: ErrorCode.UNAVAILABLE, 429: ErrorCode.UNAVAILABLE}


class ApiError(Exception):
    """Base of every error the client raises; ``code`` is one of contracts.errors."""

    retryable: ClassVar[bool] = False

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Unauthenticated(ApiError):
    """The credentials were missing or refused."""

    def __init__(self, message: str = "not signed in") -> None:
        super().__init__(message, ErrorCode.UNAUTHENTICATED)


class Refused(ApiError):
    """The server refused the operation for good; ``field`` names the refused input, ``current_state`` the
    record's state when a step was not allowed from it."""

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None,
                 current_state: str | None = None) -> None:
        super().__init__(message, code)
        self.field = field
        self.current_state = current_state


class Unavailable(ApiError):
    """Briefly unavailable or a masked fault: try again, after ``retry_after`` seconds when it is known."""

    retryable = True

    def __init__(self, message: str, *, code: ErrorCode = ErrorCode.UNAVAILABLE,
                 retry_after: float | None = None) -> None:
        super().__init__(message, code)
        self.retry_after = retry_after


class TransportError(ApiError):
    """The server could not be reached, or the connection broke before its answer."""

    retryable = True

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.UNAVAILABLE)


class ProtocolError(ApiError):
    """The answer is not a GraphQL answer this client understands."""

    retryable = True

    def __init__(self, message: str) -> None:
        super().__init__(message, ErrorCode.INTERNAL)


def error_for(code: ErrorCode, message: str, *, field: str | None = None, current_state: str | None = None,
              retry_after: float | None = None) -> ApiError:
    """The one exception for a code."""
    if code is ErrorCode.UNAUTHENTICATED:
        return Unauthenticated(message)
    if code in RETRYABLE:
        return Unavailable(message, code=code, retry_after=retry_after)
    return Refused(code, message, field=field, current_state=current_state)


def status_error(status: int, detail: str = "", *, retry_after: float | None = None) -> ApiError:
    """The error of an HTTP answer that carries no GraphQL errors (a proxy, an object store, a plain route)."""
    message = f"HTTP {status}" + (f": {detail}" if detail else "")
    code = _STATUS_CODES.get(status)
    if code is None and status >= 500:
        code = ErrorCode.UNAVAILABLE
    if code is None:
        return ProtocolError(message)
    return error_for(code, message, retry_after=retry_after)


def _text(value: object, default: str) -> str:
    return value if isinstance(value, str) else default


def graphql_error(errors: Sequence[object], *, status: int = 200, retry_after: float | None = None) -> ApiError:
    """The one error of a GraphQL answer's ``errors``: unauthenticated first, then retryable, else the first."""
    found: list[ApiError] = []
    for error in errors:
        entry = error if isinstance(error, Mapping) else {}
        extensions = entry.get("extensions")
        extensions = extensions if isinstance(extensions, Mapping) else {}
        raw = extensions.get("code")
        if isinstance(raw, str):
            code = code_of(raw)
        else:  # see the module docstring: a masked fault sits on a field, a refused document on nothing
            code = ErrorCode.INTERNAL if entry.get("path") or status >= 500 else ErrorCode.BAD_USER_INPUT
        after = extensions.get("retryAfterSeconds")
        after = _clamp(float(after)) if isinstance(after, int | float) and math.isfinite(after) else retry_after
        found.append(error_for(code, _text(entry.get("message"), code.value), field=_optional(extensions, "field"),
                               retry_after=after))
    if not found:
        return ProtocolError("an empty errors list")
    for wanted in (Unauthenticated, Unavailable):
        for error in found:
            if isinstance(error, wanted):
                return error
    return found[0]


def _optional(mapping: Mapping[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) else None


def data_of(body: object, *, status: int = 200, retry_after: float | None = None) -> dict[str, Any]:
    """The ``data`` of a GraphQL answer (HTTP body or a subscription's ``next`` payload); raises its error."""
    if not isinstance(body, Mapping):
        raise ProtocolError(f"the answer is a {type(body).__name__}, not a GraphQL response")
    errors = body.get("errors")
    if errors:
        if not isinstance(errors, list):
            raise ProtocolError("the answer's errors is not a list")
        raise graphql_error(errors, status=status, retry_after=retry_after)
    data = body.get("data")
    if not isinstance(data, dict):
        raise ProtocolError("the answer has no data")
    return data


def union_result(data: Mapping[str, Any], field: str, *accepted: str) -> dict[str, Any]:
    """The root field's object when its ``__typename`` is one of accepted; a union failure member (NotAllowed…)
    raises Refused with its code; anything else is a ProtocolError."""
    result = data.get(field)
    if not isinstance(result, dict):
        raise ProtocolError(f"the answer has no object {field}")
    typename = result.get("__typename")
    if typename in accepted:
        return result
    if isinstance(typename, str) and typename in UNION_MEMBERS:
        raise Refused(code_of(typename), _text(result.get("message"), typename), field=_optional(result, "field"),
                      current_state=_optional(result, "currentState"))
    raise ProtocolError(f"{field} answered {typename!r}, expected {' or '.join(accepted)}")


def _clamp(seconds: float) -> float:
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def retry_after_of(header: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date), within [0, MAX_RETRY_AFTER_S]."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return _clamp(float(header))
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return _clamp((when - datetime.now(UTC)).total_seconds())


class Connections(threading.local):
    """Kept-alive connections, one per origin and thread (an http.client connection serves one thread at a time;
    the bridge calls from several), each with the monotonic time it was last answered on."""

    def __init__(self, max_idle_s: float = MAX_IDLE_S) -> None:
        self.max_idle_s = max_idle_s
        self.open: dict[tuple[str, str, int], http.client.HTTPConnection] = {}
        self.idle_since: dict[tuple[str, str, int], float] = {}

    def take(self, origin: tuple[str, str, int]) -> http.client.HTTPConnection | None:
        """The origin's kept connection if it is still fresh enough to reuse; a stale one is closed."""
        kept = self.open.pop(origin, None)
        idle_since = self.idle_since.pop(origin, 0.0)
        if kept is None:
            return None
        if time.monotonic() - idle_since > self.max_idle_s or _closed_by_server(kept):
            kept.close()
            return None
        return kept

    def keep(self, origin: tuple[str, str, int], connection: http.client.HTTPConnection) -> None:
        self.open[origin] = connection
        self.idle_since[origin] = time.monotonic()

    def close(self) -> None:
        """Close the calling thread's connections (the others' close with their threads)."""
        for connection in self.open.values():
            connection.close()
        self.open.clear()
        self.idle_since.clear()


def _closed_by_server(connection: http.client.HTTPConnection) -> bool:
    """An idle kept-alive connection has nothing to read: anything readable (EOF) means the server closed it."""
    if connection.sock is None:
        return True
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _connection(scheme: str, host: str, port: int, *, timeout: float, context: ssl.SSLContext | None,
                keep: Connections | None) -> http.client.HTTPConnection:
    """A kept-alive connection to the origin that is fresh enough to reuse, else a new one."""
    kept = keep.take((scheme, host, port)) if keep is not None else None
    if kept is not None:
        kept.timeout = timeout
        if kept.sock is not None:
            kept.sock.settimeout(timeout)
        return kept
    if scheme == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _read(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    raw = response.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ProtocolError(f"the answer is larger than {max_bytes} bytes")
    return raw


def send(method: str, url: str, *, body: bytes | None = None, headers: Mapping[str, str] | None = None,
         timeout: float = 10.0, max_bytes: int = MAX_ANSWER_BYTES, context: ssl.SSLContext | None = None,
         keep: Connections | None = None) -> tuple[int, Mapping[str, str], bytes]:
    """One HTTP request, redirects not followed (a token never follows one to another host); (status, headers,
    body) of any answer. TransportError when none came (unreachable, timed out, reset), ProtocolError when the body
    is over max_bytes. With keep, the connection is kept alive there for the thread's next request."""
    try:
        parts = urllib.parse.urlsplit(url)
        scheme, host, port = parts.scheme, parts.hostname, parts.port
    except ValueError as error:
        raise TransportError(f"not a URL: {url!r}") from error
    if scheme not in ("http", "https") or not host:
        raise TransportError(f"not an http(s) URL: {url!r}")
    port = port or (443 if scheme == "https" else 80)
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    # a request is never sent twice here: a connection that broke after the request left may have carried it to a
    # handler, so the caller decides (an outbox resends with its idempotency key); staleness is avoided instead
    connection = _connection(scheme, host, port, timeout=timeout, context=context, keep=keep)
    try:
        connection.request(method, target, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        raw = _read(response, max_bytes)
    except (OSError, HTTPException) as error:  # refused, timed out, reset, a TLS failure, a garbled answer
        connection.close()
        raise TransportError(f"{type(error).__name__}: {error}") from error
    except ProtocolError:
        connection.close()
        raise
    if keep is not None and response.isclosed() and not response.will_close:
        keep.keep((scheme, host, port), connection)
    else:
        connection.close()
    return response.status, response.headers, raw


def post_json(url: str, payload: object, *, token: str | None, timeout: float, max_bytes: int = MAX_ANSWER_BYTES,
              context: ssl.SSLContext | None = None, keep: Connections | None = None) -> tuple[int, str | None, bytes]:
    """POST payload as JSON with the bearer token; (status, Retry-After, body)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, answer_headers, raw = send("POST", url, body=json.dumps(payload).encode(), headers=headers,
                                       timeout=timeout, max_bytes=max_bytes, context=context, keep=keep)
    return status, answer_headers.get("Retry-After"), raw


def answer_data(status: int, retry_after_header: str | None, raw: bytes) -> dict[str, Any]:
    """The data of one HTTP answer, or its error: GraphQL error codes first, else the HTTP status."""
    retry_after = retry_after_of(retry_after_header)
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, Mapping) and body.get("errors"):
        return data_of(body, status=status, retry_after=retry_after)
    if not 200 <= status < 300:
        raise status_error(status, retry_after=retry_after)
    if body is None:
        raise ProtocolError(f"HTTP {status}: the answer is not JSON")
    return data_of(body, status=status)


def execute(url: str, document: str, variables: Mapping[str, Any] | None = None, *, token: str | None = None,
            timeout: float = 10.0, max_bytes: int = MAX_ANSWER_BYTES, context: ssl.SSLContext | None = None,
            keep: Connections | None = None) -> dict[str, Any]:
    """Run one operation at the endpoint url; returns its data or raises one of the ApiError family."""
    status, retry_after, raw = post_json(url, {"query": document, "variables": dict(variables or {})},
                                         token=token, timeout=timeout, max_bytes=max_bytes, context=context,
                                         keep=keep)
    return answer_data(status, retry_after, raw)


def graphql_endpoint(base_url: str) -> str:
    """The GraphQL endpoint of a server address (given with or without the /graphql path)."""
    base = base_url.rstrip("/")
    return base if base.endswith("/graphql") else base + "/graphql"


class GraphQLClient:
    """A client bound to one endpoint and one credential (a token, or a callable giving the current one), its
    connections kept alive per thread; HTTPS is checked against context (None: the system's certificates)."""

    def __init__(self, url: str, *, token: str | Callable[[], str | None] | None = None,
                 timeout: float = 10.0, max_bytes: int = MAX_ANSWER_BYTES,
                 context: ssl.SSLContext | None = None, max_idle_s: float = MAX_IDLE_S) -> None:
        self.url = graphql_endpoint(url)
        self._token = token
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.context = context
        self.connections = Connections(max_idle_s)

    def close(self) -> None:
        """Close the calling thread's kept-alive connections."""
        self.connections.close()

    def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run one operation; returns its data."""
        token = self._token() if callable(self._token) else self._token
        return execute(self.url, document, variables, token=token, timeout=self.timeout, max_bytes=self.max_bytes,
                       context=self.context, keep=self.connections)


__all__ = ["ApiError", "Connections", "GraphQLClient", "ProtocolError", "Refused", "TransportError", "Unauthenticated",
           "Unavailable", "answer_data", "data_of", "error_for", "execute", "graphql_endpoint", "graphql_error",
           "post_json", "retry_after_of", "send", "status_error", "union_result"]
