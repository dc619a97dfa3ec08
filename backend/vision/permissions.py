"""Who may configure cameras, see results, submit videos and work the job queue."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device, DeviceKind
from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed

RESULT_VIEWERS = frozenset({Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN})
SUBMITTERS = frozenset({DeviceKind.ROBOT, DeviceKind.CAMERA})


class CanConfigureCameras:
    """Admins configure every area's cameras and zones; an area manager those of their own area."""

    @staticmethod
    def check(actor: Principal, area_id: uuid.UUID) -> None:
        if Role.ADMIN in actor.roles:
            return
        if Role.AREA_MANAGER in actor.roles and actor.area_id == area_id:
            return
        if Role.AREA_MANAGER in actor.roles:
            raise NotAllowed("an area manager configures the cameras of their own area only")
        raise NotAllowed("cameras and danger zones are configured by admins and area managers")


class CanSetVisionPolicy:
    """Which rules open hazards, alert severities, sampling and retries: admins and mine managers."""

    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.roles & {Role.ADMIN, Role.MINE_MANAGER}:
            raise NotAllowed("the mine's vision policy is set by admins and mine managers")


class CanSeeVisionResults:
    """Analysis jobs and their events: safety officers, area managers (own area), managers and admins."""

    @staticmethod
    def check(actor: Principal) -> None:
        if actor.is_device or not actor.roles & RESULT_VIEWERS:
            raise NotAllowed("vision results are for safety officers, area managers, mine managers and admins")

    @staticmethod
    def area_limit(actor: Principal) -> uuid.UUID | None:
        """An area manager without a mine-wide role sees their own area only."""
        if actor.roles & (RESULT_VIEWERS - {Role.AREA_MANAGER}):
            return None
        if actor.area_id is None:
            raise NotAllowed("an area manager without an area sees no vision results")
        return actor.area_id


async def device_of_kind(session: AsyncSession, actor: Principal, kinds: frozenset[DeviceKind],
                         what: str) -> Device:
    """The caller's own device record, which must be of one of the kinds."""
    device = await session.get(Device, actor.id) if actor.is_device else None
    if device is None or device.mine_id != actor.mine_id or device.revoked_at is not None:
        raise NotAllowed(f"{what} is done by a device token")
    if device.kind not in kinds:
        wanted = " or ".join(sorted(k.value.lower().replace("_", " ") for k in kinds))
        raise NotAllowed(f"{what} needs a {wanted} device, not a {device.kind.value.lower().replace('_', ' ')}")
    return device


class CanSubmitVideo:
    """A robot or camera device submits for itself (or an unbound registration); an admin for any."""

    @staticmethod
    async def check(session: AsyncSession, actor: Principal, device_id: uuid.UUID | None) -> None:
        if not actor.is_device:
            if Role.ADMIN not in actor.roles:
                raise NotAllowed("inspection videos are submitted by robots, cameras or an admin")
            return
        device = await device_of_kind(session, actor, SUBMITTERS, "submitting an inspection video")
        if device_id is not None and device_id != device.id:
            raise NotAllowed("this camera or robot is registered to another device")


async def vision_worker(session: AsyncSession, actor: Principal) -> Device:
    return await device_of_kind(session, actor, frozenset({DeviceKind.VISION_WORKER}), "working the vision queue")
