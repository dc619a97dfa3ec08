"""Audited changes to people, roles and devices."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import service
from backend.accounts.models import Device, DeviceKind, User
from backend.accounts.roles import Principal, Role
from backend.accounts.security import hash_password
from backend.audit.flows import record_audit
from backend.config import Settings
from backend.database.base import utcnow
from backend.errors import NotFound, ValidationFailed

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # argon2 hashes any length; a bound keeps hashing cheap
USERNAME = re.compile(r"\S{1,64}")
MAX_NAME = 200


def _name(value: str, field: str) -> str:
    """A display or device name: not blank, at most MAX_NAME characters (the column's width)."""
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise ValidationFailed(f"{field} must be 1 to {MAX_NAME} characters", field=field)
    return cleaned


def user_snapshot(user: User) -> dict[str, object]:
    return {"username": user.username, "display_name": user.display_name, "roles": list(user.roles),
            "area_id": user.area_id, "team_id": user.team_id, "is_active": user.is_active}


async def add_user(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID, username: str,
                   display_name: str, password: str, roles: Sequence[Role], area_id: uuid.UUID | None = None,
                   team_id: uuid.UUID | None = None) -> User:
    if not USERNAME.fullmatch(username.strip().lower()):
        raise ValidationFailed("a username is 1 to 64 characters without spaces", field="username")
    display_name = _name(display_name, "displayName")
    _check_password(password, "password")
    if not roles or Role.DEVICE in roles:
        raise ValidationFailed("give a person at least one role (device is for devices)", field="roles")
    if await service.get_by_username(session=session, username=username) is not None:
        raise ValidationFailed(f"the username {username!r} is taken", field="username")
    user = await service.create_user(session=session, mine_id=mine_id, username=username,
                                     display_name=display_name, password=password, roles=roles,
                                     area_id=area_id, team_id=team_id)
    await record_audit(session, actor=actor, mine_id=mine_id, action="user.created", subject_type="user",
                       subject_id=user.id, after=user_snapshot(user))
    return user


async def set_roles(session: AsyncSession, *, actor: Principal, user_id: uuid.UUID, roles: Sequence[Role],
                    area_id: uuid.UUID | None, team_id: uuid.UUID | None) -> User:
    user = await service.get(session=session, user_id=user_id)
    if user is None or user.mine_id != actor.mine_id:
        raise NotFound("no such user")
    if not roles or Role.DEVICE in roles:
        raise ValidationFailed("give a person at least one role (device is for devices)", field="roles")
    before = user_snapshot(user)
    user.roles = sorted(r.value for r in roles)
    user.area_id, user.team_id = area_id, team_id
    await session.flush()
    await record_audit(session, actor=actor, action="user.roles_changed", subject_type="user",
                       subject_id=user.id, before=before, after=user_snapshot(user))
    return user


def _check_password(password: str, field: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"passwords need at least {MIN_PASSWORD_LENGTH} characters", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"passwords are at most {MAX_PASSWORD_LENGTH} characters", field=field)


async def _replace_password(session: AsyncSession, *, actor: Principal, user: User, password: str,
                            action: str) -> User:
    user.password_hash = hash_password(password)
    revoked = await service.revoke_all_sessions(session=session, user_id=user.id)
    await session.flush()
    await record_audit(session, actor=actor, action=action, subject_type="user", subject_id=user.id,
                       after={"sessions_revoked": revoked})  # never the password or its hash
    return user


async def set_password(session: AsyncSession, *, actor: Principal, user_id: uuid.UUID, password: str) -> User:
    """An admin sets a person's password (an imported person's first one, or a forgotten one); the person's
    sessions end everywhere."""
    user = await service.get(session=session, user_id=user_id)
    if user is None or user.mine_id != actor.mine_id:
        raise NotFound("no such user")
    _check_password(password, "password")
    return await _replace_password(session, actor=actor, user=user, password=password, action="user.password_set")


class WrongCurrentPassword(ValidationFailed):
    """The current password did not match (or the account is blocked): counted like a failed sign-in, so the
    caller commits before answering."""

    def __init__(self, message: str = "the current password is wrong") -> None:
        super().__init__(message, field="currentPassword")


async def change_own_password(session: AsyncSession, *, settings: Settings, actor: Principal,
                              current_password: str, new_password: str, address: str = "unknown") -> User:
    """A person changes their own password, proving the current one under the sign-in throttle (a stolen access
    token cannot guess it online); their other sessions end."""
    user = await service.get(session=session, user_id=actor.id)
    if user is None or not user.is_active:
        raise NotFound("no such user")
    _check_password(new_password, "newPassword")
    try:
        proven = await service.check_credentials(session=session, settings=settings, username=user.username,
                                                 password=current_password, address=address)
    except service.AccountLocked as locked:
        raise WrongCurrentPassword(str(locked)) from locked
    if proven is None:
        raise WrongCurrentPassword()
    return await _replace_password(session, actor=actor, user=user, password=new_password,
                                   action="user.password_changed")


async def add_device(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID, name: str,
                     kind: DeviceKind, area_id: uuid.UUID | None = None) -> tuple[Device, str]:
    name = _name(name, "name")
    device, token = await service.register_device(session=session, mine_id=mine_id, name=name, kind=kind,
                                                  area_id=area_id)
    await record_audit(session, actor=actor, mine_id=mine_id, action="device.registered", subject_type="device",
                       subject_id=device.id, after={"name": name, "kind": kind, "area_id": area_id})
    return device, token


async def revoke_device(session: AsyncSession, *, actor: Principal, device_id: uuid.UUID) -> Device:
    device = await session.get(Device, device_id)
    if device is None or device.mine_id != actor.mine_id:
        raise NotFound("no such device")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        await record_audit(session, actor=actor, action="device.revoked", subject_type="device",
                           subject_id=device.id, before={"revoked": False}, after={"revoked": True})
    return device
