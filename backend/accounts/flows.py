"""Audited changes to people, roles and devices."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import service
from backend.accounts.models import Device, DeviceKind, User
from backend.accounts.roles import Principal, Role
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.graphql.errors import NotFoundError, ValidationFailedError

MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"\S{1,64}")
MAX_NAME = 200


def _name(value: str, field: str) -> str:
    """A display or device name: not blank, at most MAX_NAME characters (the column's width)."""
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_NAME:
        raise ValidationFailedError(f"{field} must be 1 to {MAX_NAME} characters", field=field)
    return cleaned


def user_snapshot(user: User) -> dict[str, object]:
    return {"username": user.username, "display_name": user.display_name, "roles": list(user.roles),
            "area_id": user.area_id, "team_id": user.team_id, "is_active": user.is_active}


async def add_user(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID, username: str,
                   display_name: str, password: str, roles: Sequence[Role], area_id: uuid.UUID | None = None,
                   team_id: uuid.UUID | None = None) -> User:
    if not USERNAME.fullmatch(username.strip().lower()):
        raise ValidationFailedError("a username is 1 to 64 characters without spaces", field="username")
    display_name = _name(display_name, "displayName")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailedError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if not roles or Role.DEVICE in roles:
        raise ValidationFailedError("give a person at least one role (device is for devices)", field="roles")
    if await service.get_by_username(session=session, username=username) is not None:
        raise ValidationFailedError(f"the username {username!r} is taken", field="username")
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
        raise NotFoundError("no such user")
    if not roles or Role.DEVICE in roles:
        raise ValidationFailedError("give a person at least one role (device is for devices)", field="roles")
    before = user_snapshot(user)
    user.roles = sorted(r.value for r in roles)
    user.area_id, user.team_id = area_id, team_id
    await session.flush()
    await record_audit(session, actor=actor, action="user.roles_changed", subject_type="user",
                       subject_id=user.id, before=before, after=user_snapshot(user))
    return user


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
        raise NotFoundError("no such device")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        await record_audit(session, actor=actor, action="device.revoked", subject_type="device",
                           subject_id=device.id, before={"revoked": False}, after={"revoked": True})
    return device
