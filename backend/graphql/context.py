"""The per-request GraphQL context: who is asking, a lazy database session, store, bus, loaders.

An HTTP request is one operation. A websocket carries many operations, each possibly a subscription
that lives for hours: there every operation gets its own database scope (session, DataLoaders, lock),
and a streamed result gives its session back as soon as it is sent, so an idle subscriber holds no
connection (see `OperationLifecycle` in backend/graphql/operation.py).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from backend.accounts.models import Device
from backend.accounts.roles import Principal, PrincipalKind, Role
from backend.accounts.security import DEVICE_TOKEN_PREFIX, InvalidToken, decode_access_token, digest_token
from backend.errors import NotAllowed, NotFound, Unauthenticated
from backend.events.bus import take_pending_events
from backend.platform import Platform


@dataclass(eq=False)
class DatabaseScope:
    """A lazily opened session with its DataLoaders and the lock its concurrent users take turns on."""

    session: AsyncSession | None = None
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def release(self) -> None:
        """Close the session (its connection goes back to the pool) and forget what the loaders cached."""
        self.loaders.clear()
        session, self.session = self.session, None
        if session is not None:
            await session.close()


# the operation running in this task (and the tasks it starts): (its context, its scope)
_OPERATION_SCOPE: ContextVar[tuple[Context, DatabaseScope] | None] = ContextVar("minesafe_operation_scope",
                                                                                  default=None)


class Context:
    def __init__(self, platform: Platform, authorization: str | None, client_address: str = "unknown") -> None:
        self.connection_params: Any = None  # a websocket's connection_init payload (strawberry sets it)
        self.client_address = client_address  # the peer (behind a proxy: uvicorn's --proxy-headers sets it)
        self.platform = platform
        self.settings = platform.settings
        self.store = platform.store
        self.bus = platform.bus
        self._authorization = authorization
        self._principal: Principal | None = None
        self._auth_error: str | None = None
        self._resolved = False
        self._request_scope = DatabaseScope()
        self._operation_scopes: set[DatabaseScope] = set()

    # --- database -------------------------------------------------------------------------
    def _scope(self) -> DatabaseScope:
        """The running operation's scope (websockets), else the request's one."""
        current = _OPERATION_SCOPE.get()
        if current is not None and current[0] is self:
            return current[1]
        return self._request_scope

    @property
    def session(self) -> AsyncSession:
        scope = self._scope()
        if scope.session is None:
            scope.session = self.platform.session_factory()
        return scope.session

    @property
    def session_lock(self) -> asyncio.Lock:
        """The lock that users of `session` take turns on: hold it (`async with ctx.session_lock:`) around session
        work in a resolver that may run beside others — a nested field, a list item — as DataLoader batches
        do. Root fields run one after another and need it only when they share code with nested ones."""
        return self._scope().lock

    @asynccontextmanager
    async def operation_scope(self) -> AsyncIterator[DatabaseScope]:
        """Give the operation running in this task its own database scope, closed when it ends."""
        scope = DatabaseScope()
        self._operation_scopes.add(scope)
        token = _OPERATION_SCOPE.set((self, scope))
        try:
            yield scope
        finally:
            _OPERATION_SCOPE.reset(token)
            self._operation_scopes.discard(scope)
            await scope.release()

    async def release_session(self) -> None:
        """Between streamed results (subscription events): close the session and drop loader caches, so
        nothing holds a connection while the subscription waits, and the next event reads afresh."""
        await self._scope().release()

    async def commit(self) -> None:
        """Commit (the events go with it, in the outbox), then hand them to the publisher: the answer never
        waits for the bus, nor fails with it."""
        session = self.session
        await session.commit()
        self.platform.publisher.submit(take_pending_events(session))

    async def rollback(self) -> None:
        session = self._scope().session
        if session is not None:
            await session.rollback()
            take_pending_events(session)

    async def close(self) -> None:
        """The request or the websocket is over: close every session still open."""
        for scope in [self._request_scope, *self._operation_scopes]:
            await scope.release()

    # --- who is asking --------------------------------------------------------------------
    async def resolve_principal(self) -> None:
        """Read the bearer token (header, or connection_init payload for websockets)."""
        if self._resolved:
            return
        self._resolved = True
        authorization = self._authorization
        if authorization is None and isinstance(self.connection_params, dict):
            authorization = self.connection_params.get("Authorization") or self.connection_params.get(
                "authorization"
            )
        if not authorization:
            return
        scheme, _, token = str(authorization).partition(" ")
        if scheme.lower() != "bearer" or not token:
            self._auth_error = "Authorization must be 'Bearer <token>'"
            return
        if token.startswith(DEVICE_TOKEN_PREFIX):
            async with self.platform.session_factory() as session:
                device = await session.scalar(select(Device).where(Device.token_hash == digest_token(token)))
            if device is None or device.revoked_at is not None:
                self._auth_error = "device token is unknown or revoked"
                return
            self._principal = Principal(
                kind=PrincipalKind.DEVICE, id=device.id, mine_id=device.mine_id, name=device.name,
                roles=frozenset({Role.DEVICE}), area_id=device.area_id,
            )
            return
        try:
            self._principal = decode_access_token(token, secret=self.settings.secret_key)
        except InvalidToken as error:
            self._auth_error = f"access token rejected: {error}"

    @property
    def principal(self) -> Principal | None:
        return self._principal

    def authenticated(self) -> Principal:
        if self._principal is None:
            raise Unauthenticated(self._auth_error or "sign in first")
        return self._principal

    def person(self) -> Principal:
        """The caller, who must be a person: devices upload and report only."""
        principal = self.authenticated()
        if principal.is_device:
            raise NotAllowed("this is for people, not devices")
        return principal

    def require(self, *roles: Role) -> Principal:
        """The caller, who must hold one of the roles (any role when none are given)."""
        principal = self.authenticated()
        if roles and not principal.has_any(*roles):
            wanted = ", ".join(r.value for r in roles)
            raise NotAllowed(f"this needs one of the roles: {wanted}")
        return principal

    def require_same_mine(self, mine_id: uuid.UUID, what: str = "record") -> None:
        """Other mines' records look exactly like missing ones."""
        if self.authenticated().mine_id != mine_id:
            raise NotFound(f"no such {what}")

    # --- dataloaders ----------------------------------------------------------------------
    def loader(self, name: str, batch: Callable[[AsyncSession, Sequence[Any]], Awaitable[Sequence[Any]]]
               ) -> DataLoader[Any, Any]:
        """One DataLoader per name and request; batch gets the session and the keys.

        Sibling fields resolve concurrently, so batches take turns on the request's one session.
        """
        scope = self._scope()
        if name not in scope.loaders:
            async def load(keys: list[Any]) -> Sequence[Any]:
                async with scope.lock:
                    if scope.session is None:
                        scope.session = self.platform.session_factory()
                    return await batch(scope.session, keys)

            scope.loaders[name] = DataLoader(load_fn=load)
        return scope.loaders[name]


def context_for(connection: Request | WebSocket) -> Context:
    """One Context per HTTP request or websocket connection; whoever serves the connection closes it."""
    platform: Platform = connection.app.state.platform
    client = connection.client
    return Context(platform, connection.headers.get("authorization"), client.host if client else "unknown")
