"""Users, sign-in sessions and devices."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device, DeviceKind, LoginThrottle, RefreshToken, User
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
from backend.database import tenancy
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
    """Too many failed sign-ins from this address (for this username, or for all); refused until `until`.

    The message is the same whether the username exists or not: throttles are keyed by the typed name."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many failed sign-ins from this address; try again after {until:%H:%M} UTC")
        self.until = until


THROTTLE_IDLE = timedelta(days=1)


def _throttle_keys(username: str, address: str) -> tuple[str, str]:
    """The (account, address) and the (address) throttle keys: hashes, so neither name nor address is stored."""
    name = username.strip().lower()
    return (hashlib.sha256(f"account|{name}|{address}".encode()).hexdigest(),
            hashlib.sha256(f"address|{address}".encode()).hexdigest())


async def _throttles(session: AsyncSession, keys: Sequence[str]) -> dict[str, LoginThrottle]:
    """The throttle rows of the keys, created when missing and locked to the end of the transaction."""
    now = utcnow()
    await session.execute(tenancy.upsert(session, LoginThrottle).values(
        [{"key": k, "failures": 0, "strikes": 0, "window_started_at": now, "updated_at": now} for k in keys])
        .on_conflict_do_nothing(index_elements=["key"]))
    rows = await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))
                                 .order_by(LoginThrottle.key).with_for_update().execution_options(populate_existing=True))
    return {row.key: row for row in rows}


def _count_failure(row: LoginThrottle, *, now: datetime, window: timedelta, limit: int, block: timedelta) -> None:
    if now - row.window_started_at > window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    row.updated_at = now
    if row.failures >= limit:
        row.blocked_until, row.failures, row.window_started_at = now + block, 0, now
        row.strikes += 1


async def sign_in(*, session: AsyncSession, settings: Settings, username: str, password: str,
                  address: str = "unknown") -> SignedIn | None:
    """A new session for valid credentials of an active user, else None (the caller commits either way)."""
    user = await check_credentials(session=session, settings=settings, username=username, password=password,
                                   address=address)
    return None if user is None else await _issue(session=session, settings=settings, user=user)


async def check_credentials(*, session: AsyncSession, settings: Settings, username: str, password: str,
                            address: str = "unknown") -> User | None:
    """The active user whose credentials these are, else None; AccountLocked while blocked. The caller commits
    either way, so that a failure is counted.

    Failures are counted per (username, address) with a backoff that doubles on each block (so a password
    cannot be guessed online), and per address across usernames (so one address cannot spray many accounts).
    An attacker elsewhere only ever blocks their own address: the account itself is never locked for everyone.
    """
    account_key, address_key = _throttle_keys(username, address)
    now = utcnow()
    throttles = await _throttles(session, [account_key, address_key])
    account, by_address = throttles[account_key], throttles[address_key]
    blocked = max((t.blocked_until for t in (account, by_address) if t.blocked_until and t.blocked_until > now),
                  default=None)
    if blocked is not None:
        raise AccountLocked(blocked)
    user = await get_by_username(session=session, username=username)
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    if not valid or user is None or not user.is_active:
        backoff = min(settings.login_lock_minutes * 2 ** account.strikes, settings.login_lock_max_minutes)
        window = timedelta(minutes=settings.login_window_minutes)
        _count_failure(account, now=now, window=window, limit=settings.login_attempts_before_lock,
                       block=timedelta(minutes=backoff))
        _count_failure(by_address, now=now, window=window, limit=settings.login_address_attempts, block=window)
        # forget throttles idle for a day (random usernames must not grow the table without bound)
        await session.execute(delete(LoginThrottle).where(
            LoginThrottle.updated_at < now - THROTTLE_IDLE, LoginThrottle.key.not_in([account_key, address_key]),
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until < now))
            .execution_options(synchronize_session=False))
        return None
    account.failures, account.strikes, account.blocked_until, account.updated_at = 0, 0, None, now
    return user


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


async def revoke_all_sessions(*, session: AsyncSession, user_id: uuid.UUID) -> int:
    """Revoke every refresh token of a person (a new password signs them out everywhere)."""
    result = await session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id,
                                                              RefreshToken.revoked_at.is_(None))
                                   .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
