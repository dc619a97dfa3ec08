"""The signed-in session, persisted in the local store so that it survives an app restart."""

from __future__ import annotations

import threading
from datetime import datetime

from mobile.api.models import AuthSession, User, parse_time
from mobile.storage import LocalStore

SESSION_KEY = "auth.session"


class SessionStore:
    """Holds the current AuthSession in memory and on disk (tokens are never logged)."""

    def __init__(self, store: LocalStore) -> None:
        self._store = store
        self._lock = threading.RLock()
        self._session: AuthSession | None = self._load()

    def _load(self) -> AuthSession | None:
        raw = self._store.get(SESSION_KEY)
        if not raw:
            return None
        expires = parse_time(raw.get("accessExpiresAt"))
        if expires is None:
            return None
        return AuthSession(access_token=raw["accessToken"], refresh_token=raw["refreshToken"],
                           access_expires_at=expires, user=User.from_api(raw["user"]))

    def reload(self) -> None:
        """Read the session again from disk (another process of the app, e.g. the alarm service, signed in or out)."""
        with self._lock:
            self._session = self._load()

    @property
    def current(self) -> AuthSession | None:
        with self._lock:
            return self._session

    @property
    def user(self) -> User | None:
        session = self.current
        return session.user if session else None

    def save(self, session: AuthSession) -> None:
        with self._lock:
            self._store.set(SESSION_KEY, {
                "accessToken": session.access_token,
                "refreshToken": session.refresh_token,
                "accessExpiresAt": session.access_expires_at.isoformat(),
                "user": session.user.to_api(),
            })
            self._session = session

    def clear(self) -> None:
        with self._lock:
            self._store.delete(SESSION_KEY)
            self._session = None

    def expires_within(self, now: datetime, seconds: float) -> bool:
        session = self.current
        return session is not None and (session.access_expires_at - now).total_seconds() < seconds
