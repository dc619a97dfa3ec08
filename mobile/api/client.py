"""The app's GraphQL client over contracts.client: bearer tokens, transparent refresh, the contract's errors.

Blocking calls: the app runs them on worker threads (never on the UI thread). Every failure is one of
contracts.client's ApiError family (Unauthenticated, Refused, Unavailable, TransportError, ProtocolError),
classified there by code; ``retryable`` tells the outbox to keep an item.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from contracts.client import (
    ApiError,
    Connections,
    ProtocolError,
    Refused,
    TransportError,
    Unauthenticated,
    execute,
    graphql_endpoint,
    retry_after_of,
    send,
    status_error,
    union_result,
)
from mobile.api import operations as ops
from mobile.api.models import AuthSession
from mobile.api.session import SessionStore

logger = logging.getLogger(__name__)

REFRESH_MARGIN_S = 60.0
MAX_ANSWER_BYTES = 16 * 1024 * 1024


def tls_context() -> ssl.SSLContext:
    """Server certificates checked against certifi's bundle where the build carries it (Python on Android finds
    no system store), else against the system's."""
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class ApiClient:
    """A GraphQL client bound to one server address and one session store."""

    def __init__(self, *, server_url: Callable[[], str | None], sessions: SessionStore,
                 timeout: float = 20.0) -> None:
        self._server_url = server_url
        self.sessions = sessions
        self.timeout = timeout
        self._tls = tls_context()
        self._connections = Connections()   # kept alive, per worker thread
        self._refresh_lock = threading.Lock()
        self.on_reachable: Callable[[bool], None] | None = None   # told after every request: reached or not

    def _reached(self, ok: bool) -> None:
        if self.on_reachable is not None:
            try:
                self.on_reachable(ok)
            except Exception:
                logger.exception("reachability callback failed")

    def _reaching(self, call: Callable[[], Any]) -> Any:
        """Run a request, telling on_reachable whether the server answered at all."""
        try:
            result = call()
        except TransportError:
            self._reached(False)
            raise
        except ApiError:
            self._reached(True)
            raise
        self._reached(True)
        return result

    def probe(self, *, timeout: float = 5.0) -> bool:
        """Whether the server answers its health check now (no sign-in needed); TransportError when no address is
        set (nothing to probe: neither online nor offline)."""
        url = urljoin(self.base_url + "/", "healthz")
        try:
            status, _, _ = send("GET", url, timeout=timeout, max_bytes=64 * 1024, context=self._tls)
        except (TransportError, ProtocolError):
            self._reached(False)
            return False
        self._reached(True)
        return status < 500

    def close(self) -> None:
        """Close the calling thread's kept-alive connections."""
        self._connections.close()

    @property
    def base_url(self) -> str:
        url = self._server_url()
        if not url:
            raise TransportError("no server address set")
        return url.rstrip("/")

    def _post(self, query: str, variables: dict[str, Any], token: str | None) -> dict[str, Any]:
        endpoint = graphql_endpoint(self.base_url)
        return self._reaching(lambda: execute(  # type: ignore[no-any-return]
            endpoint, query, variables, token=token, timeout=self.timeout, max_bytes=MAX_ANSWER_BYTES,
            context=self._tls, keep=self._connections))

    def execute(self, query: str, variables: dict[str, Any] | None = None, *, auth: bool = True) -> dict[str, Any]:
        """Run one operation and return its `data`; refreshes the access token when it is due or refused."""
        variables = variables or {}
        if not auth:
            return self._post(query, variables, None)
        token = self._access_token()
        try:
            return self._post(query, variables, token)
        except Unauthenticated:
            token = self._refresh(stale=token)
        try:
            return self._post(query, variables, token)
        except Unauthenticated as error:
            raise Unauthenticated(f"the server refused the session: {error}") from error

    # -- tokens ----------------------------------------------------------------------

    def _access_token(self) -> str:
        session = self.sessions.current
        if session is None:
            raise Unauthenticated("not signed in")
        if self.sessions.expires_within(datetime.now(UTC), REFRESH_MARGIN_S):
            return self._refresh(stale=session.access_token)
        return session.access_token

    def access_token(self) -> str:
        """A valid access token (refreshed if due) for the websocket connection."""
        return self._access_token()

    def _refresh(self, *, stale: str | None) -> str:
        with self._refresh_lock:
            session = self.sessions.current
            if session is None:
                raise Unauthenticated("not signed in")
            if session.access_token != stale and not self.sessions.expires_within(datetime.now(UTC), REFRESH_MARGIN_S):
                return session.access_token  # another thread refreshed meanwhile
            data = self.execute(ops.REFRESH_SESSION, {"refreshToken": session.refresh_token}, auth=False)
            try:
                result = union_result(data, "refreshSession", "AuthSession")
            except Refused as refused:
                logger.info("refresh refused: %s", refused)
                self.sessions.clear()
                raise Unauthenticated(refused.message or "session expired") from refused
            fresh = AuthSession.from_api(result)
            self.sessions.save(fresh)
            logger.info("access token refreshed for %s", fresh.user.username)
            return fresh.access_token

    # -- objects (photos: downloads and upload tickets) ------------------------------

    def _object_url(self, url: str) -> tuple[str, bool]:
        """The absolute URL of an object and whether it is on the app's own server (which wants the token)."""
        target = url if "://" in url else urljoin(self.base_url + "/", url.lstrip("/"))
        return target, "://" not in url or target.startswith(self.base_url)

    def _transfer(self, method: str, url: str, *, body: bytes | None, headers: dict[str, str],
                  max_bytes: int) -> bytes:
        target, own = self._object_url(url)
        session = self.sessions.current
        if own and session is not None and not any(k.lower() == "authorization" for k in headers):
            headers = {**headers, "Authorization": f"Bearer {session.access_token}"}
        status, answer_headers, raw = self._reaching(lambda: send(
            method, target, body=body, headers=headers, timeout=self.timeout, max_bytes=max_bytes, context=self._tls,
            keep=self._connections))
        if not 200 <= status < 300:
            raise status_error(status, f"{method} {raw[:200].decode(errors='replace')}",
                               retry_after=retry_after_of(answer_headers.get("Retry-After")))
        return raw  # type: ignore[no-any-return]

    def get_bytes(self, url: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
        """Download a (signed) object URL, absolute or relative to the server; blocking."""
        return self._transfer("GET", url, body=None, headers={}, max_bytes=max_bytes)

    def put_bytes(self, url: str, *, body: bytes, headers: tuple[tuple[str, str], ...], method: str = "PUT") -> None:
        """Send an object to the URL of an upload ticket (absolute, or relative to the server)."""
        self._transfer(method, url, body=body, headers=dict(headers), max_bytes=64 * 1024)
