"""App settings kept on the device: the server address and the language."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from mobile.storage import LocalStore

SERVER_KEY = "settings.server_url"
LANGUAGE_KEY = "settings.language"
LANGUAGES = ("zh", "en")


class InvalidServerAddress(ValueError):
    """The text typed as the server address is not an http(s) address."""


def normalize_server_url(text: str) -> str:
    """`host:port`, `http://host:port/` or `https://host/graphql` → the base `http(s)://host[:port]`."""
    text = text.strip()
    if not text:
        raise InvalidServerAddress("empty")
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidServerAddress(text)
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as error:
        raise InvalidServerAddress(text) from error
    path = parts.path.rstrip("/")
    if path.endswith("/graphql"):
        path = path[: -len("/graphql")]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def graphql_ws_url(base: str) -> str:
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/graphql", "", ""))


class AppSettings:
    """Typed access to the settings rows of the local store."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store

    @property
    def server_url(self) -> str | None:
        return self._store.get(SERVER_KEY)

    @server_url.setter
    def server_url(self, value: str) -> None:
        self._store.set(SERVER_KEY, normalize_server_url(value))

    @property
    def language(self) -> str | None:
        return self._store.get(LANGUAGE_KEY)

    @language.setter
    def language(self, value: str) -> None:
        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r}; choose one of {LANGUAGES}")
        self._store.set(LANGUAGE_KEY, value)
