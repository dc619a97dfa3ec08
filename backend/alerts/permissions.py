"""Who may see and handle alerts: small classes named for what they allow."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal, Role
from backend.alerts.models import Alert
from backend.errors import NotAllowed

HANDLERS = frozenset({Role.SAFETY_OFFICER, Role.MINE_MANAGER})
MINE_WIDE_VIEWERS = frozenset({Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN})


class CanSeeAlert:
    """Everyone of the mine sees alerts; miners, team leaders and mentors only their own area's and
    the mine-wide ones."""

    @staticmethod
    def sees_whole_mine(actor: Principal) -> bool:
        return bool(actor.roles & MINE_WIDE_VIEWERS)

    @classmethod
    def allows(cls, actor: Principal, alert: Alert) -> bool:
        if alert.mine_id != actor.mine_id or actor.is_device:
            return False
        return cls.sees_whole_mine(actor) or alert.area_id is None or alert.area_id == actor.area_id


async def can_trace_alert(session: AsyncSession, actor: Principal, subject_id: str) -> bool:
    """An alert's audit history (traceability) is for those who see the alert."""
    try:
        alert = await session.get(Alert, uuid.UUID(subject_id))
    except ValueError:
        return False
    return alert is not None and CanSeeAlert.allows(actor, alert)


class CanHandleAlert:
    """Acknowledge, resolve, open a hazard: a safety officer, a mine manager, or the area manager of the
    alert's area (a mine-wide alert needs an officer or a mine manager)."""

    @staticmethod
    def allows(actor: Principal, alert: Alert) -> bool:
        if actor.is_device or actor.mine_id != alert.mine_id:
            return False
        if actor.roles & HANDLERS:
            return True
        return Role.AREA_MANAGER in actor.roles and alert.area_id is not None and actor.area_id == alert.area_id

    @classmethod
    def check(cls, actor: Principal, alert: Alert) -> None:
        if not cls.allows(actor, alert):
            raise NotAllowed("handling an alert needs a safety officer, the area's manager or a mine manager")


class CanRaiseManualAlert:
    """Any person of the mine; people without a mine-wide view only for their own area."""

    @staticmethod
    def check(actor: Principal, area_id: object) -> None:
        if actor.is_device:
            raise NotAllowed("devices raise alerts through their own sensor or vision flows")
        if CanSeeAlert.sees_whole_mine(actor):
            return
        if area_id is None or area_id != actor.area_id:
            raise NotAllowed("you can raise an alert for your own area only")
