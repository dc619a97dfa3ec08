"""Users, sign-in sessions and devices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device, DeviceKind, RefreshToken, User
from backend.accounts.roles import Principal, PrincipalKind, Role
from backend.accounts.security import (
    DEVICE_TOKEN_PREFIX,
    REFRESH_TOKEN_PREFIX,
    digest_token,
    hash_password,
    issue_access_token,
    new_opaque_token,
    verify_password,
)
from backend.config import Settings
from backend.database.base import utcnow

# argon2 work done for unknown usernames too, so timing does not reveal which usernames exist
_DUMMY_HASH = hash_password("not-a-real-password")


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def principal_for(user: User) -> Principal:
    return Principal(
        kind=PrincipalKind.USER, id=user.id, mine_id=user.mine_id, name=user.display_name,
        roles=frozenset(Role(r) for r in user.roles), area_id=user.area_id, team_id=user.team_id,
    )


async def get(*, session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """One user by id."""
    return await session.get(User, user_id)


async def get_by_username(*, session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username.strip().lower()))


async def get_many(*, session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> Sequence[User | None]:
    """Users in the order of the ids (None where missing), for DataLoaders."""
    rows = await session.scalars(select(User).where(User.id.in_(set(user_ids))))
    by_id = {u.id: u for u in rows}
    return [by_id.get(i) for i in user_ids]


async def list_users(*, session: AsyncSession, mine_id: uuid.UUID, role: Role | None = None,
                     area_id: uuid.UUID | None = None) -> Sequence[User]:
    query = select(User).where(User.mine_id == mine_id, User.is_active.is_(True)).order_by(User.display_name)
    if area_id is not None:
        query = query.where(User.area_id == area_id)
    users = (await session.scalars(query)).all()
    return [u for u in users if role is None or role.value in u.roles]


async def create_user(*, session: AsyncSession, mine_id: uuid.UUID, username: str, display_name: str,
                      password: str, roles: Sequence[Role], area_id: uuid.UUID | None = None,
                      team_id: uuid.UUID | None = None) -> User:
    user = User(
        mine_id=mine_id, username=username.strip().lower(), display_name=display_name,
        password_hash=hash_password(password), roles=sorted(r.value for r in roles),
        area_id=area_id, team_id=team_id,
    )
    session.add(user)
    await session.flush()
    return user


class AccountLocked(Exception):
    """Too many wrong passwords in a row; sign-in is refused until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many wrong passwords; try again after {until:%H:%M} UTC")
        self.until = until


async def sign_in(*, session: AsyncSession, settings: Settings, username: str, password: str) -> SignedIn | None:
    """A new session for valid credentials of an active user, else None (the caller commits either way).

    Repeated wrong passwords lock the account for a while, so a password cannot be guessed online.
    """
    user = await get_by_username(session=session, username=username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(user.locked_until)
    if not verify_password(user.password_hash, password) or not user.is_active:
        user.failed_logins += 1
        if user.failed_logins >= settings.login_attempts_before_lock:
            user.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
            user.failed_logins = 0
        return None
    user.failed_logins = 0
    user.locked_until = None
    return await _issue(session=session, settings=settings, user=user)


async def _issue(*, session: AsyncSession, settings: Settings, user: User) -> SignedIn:
    now = utcnow()
    refresh = new_opaque_token(REFRESH_TOKEN_PREFIX)
    refresh_expires = now + timedelta(days=settings.refresh_token_days)
    session.add(RefreshToken(user_id=user.id, token_hash=digest_token(refresh), expires_at=refresh_expires))
    await session.flush()
    access_expires = now + timedelta(minutes=settings.access_token_minutes)
    access = issue_access_token(principal_for(user), secret=settings.secret_key,
                                minutes=settings.access_token_minutes, now=now)
    return SignedIn(user=user, access_token=access, access_expires_at=access_expires,
                    refresh_token=refresh, refresh_expires_at=refresh_expires)


async def refresh(*, session: AsyncSession, settings: Settings, refresh_token: str) -> SignedIn | None:
    """Rotate a refresh token: the old one is revoked, a new pair is issued.

    The revocation is one conditional UPDATE, so of several concurrent uses of one token exactly one
    wins, on SQLite (no row locks) as on PostgreSQL.
    """
    now = utcnow()
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == digest_token(refresh_token), RefreshToken.revoked_at.is_(None),
               RefreshToken.expires_at > now)
        .values(revoked_at=now).returning(RefreshToken.user_id)
        .execution_options(synchronize_session=False)
    )
    user_id = claimed.scalar_one_or_none()
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return await _issue(session=session, settings=settings, user=user)


async def revoke(*, session: AsyncSession, refresh_token: str) -> bool:
    stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest_token(refresh_token)))
    if stored is None or stored.revoked_at is not None:
        return False
    stored.revoked_at = utcnow()
    return True


async def register_device(*, session: AsyncSession, mine_id: uuid.UUID, name: str, kind: DeviceKind,
                          area_id: uuid.UUID | None = None) -> tuple[Device, str]:
    """A new device and its token (shown once; only the hash is kept)."""
    token = new_opaque_token(DEVICE_TOKEN_PREFIX)
    device = Device(mine_id=mine_id, name=name, kind=kind, area_id=area_id, token_hash=digest_token(token))
    session.add(device)
    await session.flush()
    return device, token


async def list_devices(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[Device]:
    return (await session.scalars(select(Device).where(Device.mine_id == mine_id).order_by(Device.name))).all()
