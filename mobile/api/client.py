"""GraphQL over HTTP with httpx: bearer tokens, transparent refresh, typed errors.

Blocking calls: the app runs them on worker threads (never on the UI thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpx

from mobile.api import operations as ops
from mobile.api.models import AuthSession
from mobile.api.session import SessionStore
from mobile.settings import graphql_http_url

logger = logging.getLogger(__name__)

REFRESH_MARGIN_S = 60.0
AUTH_ERROR_CODES = {"UNAUTHENTICATED", "TOKEN_EXPIRED", "FORBIDDEN_TOKEN"}


class ApiError(Exception):
    """Base of every error the client raises."""

    transient = False


class NetworkError(ApiError):
    """The server could not be reached or the connection dropped: try again later."""

    transient = True


class ServerError(ApiError):
    """The server answered 5xx (or an unexpected, masked error): try again later."""

    transient = True


class AuthRequired(ApiError):
    """No session, or the refresh token was refused: the user must sign in again."""


class GraphQLError(ApiError):
    """The server refused the operation itself (a schema or validation error)."""


class ApiClient:
    """A GraphQL client bound to one server address and one session store."""

    def __init__(self, *, server_url: Callable[[], str | None], sessions: SessionStore,
                 timeout: float = 20.0, transport: httpx.BaseTransport | None = None) -> None:
        self._server_url = server_url
        self.sessions = sessions
        self._refresh_lock = threading.Lock()
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 8.0)),
                                  transport=transport, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    @property
    def base_url(self) -> str:
        url = self._server_url()
        if not url:
            raise NetworkError("no server address set")
        return url

    # -- raw transport ---------------------------------------------------------------

    def _post(self, query: str, variables: dict[str, Any], token: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return self._http.post(graphql_http_url(self.base_url), json={"query": query, "variables": variables},
                                   headers=headers)
        except httpx.TransportError as error:
            raise NetworkError(f"{type(error).__name__}: {error}") from error

    @staticmethod
    def _is_auth_failure(response: httpx.Response, body: dict[str, Any] | None) -> bool:
        if response.status_code == 401:
            return True
        for error in (body or {}).get("errors") or []:
            code = ((error.get("extensions") or {}).get("code") or "").upper()
            message = (error.get("message") or "").lower()
            if code in AUTH_ERROR_CODES or "not authenticated" in message:
                return True
            if "token" in message and "expired" in message:
                return True
        return False

    def execute(self, query: str, variables: dict[str, Any] | None = None, *, auth: bool = True) -> dict[str, Any]:
        """Run one operation and return its `data`; refreshes the access token when it is due or refused."""
        variables = variables or {}
        token = self._access_token() if auth else None
        response = self._post(query, variables, token)
        body = self._json(response)
        if auth and self._is_auth_failure(response, body):
            token = self._refresh(stale=token)
            response = self._post(query, variables, token)
            body = self._json(response)
            if self._is_auth_failure(response, body):
                raise AuthRequired("the server refused the session")
        if response.status_code >= 500:
            raise ServerError(f"HTTP {response.status_code}")
        if body is None:
            raise ServerError(f"HTTP {response.status_code}: not a GraphQL response")
        errors = body.get("errors")
        if errors:
            message = "; ".join(e.get("message", "?") for e in errors)
            if body.get("data") is None and any("unexpected" in (e.get("message") or "").lower() for e in errors):
                raise ServerError(message)
            raise GraphQLError(message)
        if response.status_code >= 400:
            raise GraphQLError(f"HTTP {response.status_code}")
        return body.get("data") or {}

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any] | None:
        try:
            body = response.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    # -- tokens ----------------------------------------------------------------------

    def _access_token(self) -> str:
        session = self.sessions.current
        if session is None:
            raise AuthRequired("not signed in")
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
                raise AuthRequired("not signed in")
            if session.access_token != stale and not self.sessions.expires_within(datetime.now(UTC), REFRESH_MARGIN_S):
                return session.access_token  # another thread refreshed meanwhile
            data = self.execute(ops.REFRESH_SESSION, {"refreshToken": session.refresh_token}, auth=False)
            result = data["refreshSession"]
            if result.get("__typename") != "AuthSession":
                logger.info("refresh refused: %s", result.get("message"))
                self.sessions.clear()
                raise AuthRequired(result.get("message") or "session expired")
            fresh = AuthSession.from_api(result)
            self.sessions.save(fresh)
            logger.info("access token refreshed for %s", fresh.user.username)
            return fresh.access_token

    # -- downloads -------------------------------------------------------------------

    def get_bytes(self, url: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
        """Download a (signed) object URL, absolute or relative to the server; blocking."""
        target = url if "://" in url else urljoin(self.base_url + "/", url.lstrip("/"))
        headers: dict[str, str] = {}
        session = self.sessions.current
        if session is not None and ("://" not in url or target.startswith(self.base_url)):
            headers["Authorization"] = f"Bearer {session.access_token}"
        try:
            with self._http.stream("GET", target, headers=headers) as response:
                if response.status_code >= 500 or response.status_code in (408, 429):
                    raise ServerError(f"download HTTP {response.status_code}")
                if response.status_code >= 400:
                    raise GraphQLError(f"download refused: HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise GraphQLError(f"download larger than {max_bytes} bytes")
                return bytes(body)
        except httpx.TransportError as error:
            raise NetworkError(f"download failed: {type(error).__name__}: {error}") from error

    # -- uploads ---------------------------------------------------------------------

    def put_bytes(self, url: str, *, body: bytes, headers: tuple[tuple[str, str], ...], method: str = "PUT") -> None:
        """Send an object to the URL of an upload ticket (absolute, or relative to the server)."""
        target = url if "://" in url else urljoin(self.base_url + "/", url.lstrip("/"))
        send_headers = dict(headers)
        if "://" not in url or target.startswith(self.base_url):
            session = self.sessions.current
            if session is not None and not any(k.lower() == "authorization" for k in send_headers):
                send_headers["Authorization"] = f"Bearer {session.access_token}"
        try:
            response = self._http.request(method, target, content=body, headers=send_headers)
        except httpx.TransportError as error:
            raise NetworkError(f"upload failed: {type(error).__name__}: {error}") from error
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise ServerError(f"upload HTTP {response.status_code}")
        if response.status_code >= 400:
            raise GraphQLError(f"upload refused: HTTP {response.status_code} {response.text[:200]}")
