"""Who may see and change positioning: small classes named for what they allow."""

from __future__ import annotations

import uuid

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed

WHOLE_MINE = frozenset({Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN})


class CanManagePositioning:
    """The tag registry, readers, areas' limits / restricted / safe marks, positioning settings: an admin."""

    @staticmethod
    def check(actor: Principal) -> None:
        if actor.is_device or Role.ADMIN not in actor.roles:
            raise NotAllowed("managing positioning (tags, readers, area limits) needs an admin")


class CanSeeWhereabouts:
    """Officers, area managers, mine managers and admins see where everyone of the mine is; other people see
    who is in their own area (where they are now, else their assigned area) and their own history."""

    @staticmethod
    def whole_mine(actor: Principal) -> bool:
        return not actor.is_device and bool(actor.roles & WHOLE_MINE)

    @classmethod
    def check_area(cls, actor: Principal, area_id: uuid.UUID, own_areas: set[uuid.UUID | None]) -> None:
        if actor.is_device:
            raise NotAllowed("devices do not see where people are")
        if not cls.whole_mine(actor) and area_id not in own_areas:
            raise NotAllowed("you can see who is in your own area only")

    @classmethod
    def check_person(cls, actor: Principal, user_id: uuid.UUID) -> None:
        if actor.is_device:
            raise NotAllowed("devices do not see where people are")
        if not cls.whole_mine(actor) and user_id != actor.id:
            raise NotAllowed("you can see your own positioning history only")
