"""The per-request GraphQL context: who is asking, a lazy database session, store, bus, loaders."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import Request, WebSocket
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from backend.accounts.models import Device
from backend.accounts.roles import Principal, PrincipalKind, Role
from backend.accounts.security import DEVICE_TOKEN_PREFIX, InvalidToken, decode_access_token, digest_token
from backend.events.bus import take_pending_events
from backend.graphql.errors import ClientError, NotAllowedError, NotFoundError, UnauthenticatedError
from backend.platform import Platform


class Context(BaseContext):
    def __init__(self, platform: Platform, authorization: str | None) -> None:
        super().__init__()
        self.platform = platform
        self.settings = platform.settings
        self.store = platform.store
        self.bus = platform.bus
        self._authorization = authorization
        self._principal: Principal | None = None
        self._auth_error: str | None = None
        self._resolved = False
        self._session: AsyncSession | None = None
        self._loaders: dict[str, DataLoader[Any, Any]] = {}
        self._session_lock = asyncio.Lock()

    # --- database -------------------------------------------------------------------------
    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.platform.session_factory()
        return self._session

    async def commit(self) -> None:
        """Commit, then publish the events the transaction queued."""
        session = self.session
        await session.commit()
        for channel, message in take_pending_events(session):
            await self.bus.publish(channel, message)

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
            take_pending_events(self._session)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

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
            raise UnauthenticatedError(self._auth_error or "sign in first")
        return self._principal

    def person(self) -> Principal:
        """The caller, who must be a person: devices upload and report only."""
        principal = self.authenticated()
        if principal.is_device:
            raise ClientError("this is for people, not devices", "FORBIDDEN")
        return principal

    def require(self, *roles: Role) -> Principal:
        """The caller, who must hold one of the roles (any role when none are given)."""
        principal = self.authenticated()
        if roles and not principal.has_any(*roles):
            wanted = ", ".join(r.value for r in roles)
            raise NotAllowedError(f"this needs one of the roles: {wanted}")
        return principal

    def require_same_mine(self, mine_id: uuid.UUID, what: str = "record") -> None:
        """Other mines' records look exactly like missing ones."""
        if self.authenticated().mine_id != mine_id:
            raise NotFoundError(f"no such {what}")

    # --- dataloaders ----------------------------------------------------------------------
    def loader(self, name: str, batch: Callable[[AsyncSession, Sequence[Any]], Awaitable[Sequence[Any]]]
               ) -> DataLoader[Any, Any]:
        """One DataLoader per name and request; batch gets the session and the keys.

        Sibling fields resolve concurrently, so batches take turns on the request's one session.
        """
        if name not in self._loaders:
            async def load(keys: list[Any]) -> Sequence[Any]:
                async with self._session_lock:
                    return await batch(self.session, keys)

            self._loaders[name] = DataLoader(load_fn=load)
        return self._loaders[name]


async def get_context(request: Request = None, websocket: WebSocket = None):  # type: ignore[assignment]
    """FastAPI dependency: one Context per HTTP request or websocket connection."""
    connection = request or websocket
    platform: Platform = connection.app.state.platform
    context = Context(platform, connection.headers.get("authorization"))
    try:
        yield context
    finally:
        await context.close()
