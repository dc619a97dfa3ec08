"""Who may change risk points, assessments, measures and the grading scheme."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed
from backend.org import rules as org_rules

RISK_OFFICERS = frozenset({Role.ADMIN, Role.MINE_MANAGER, Role.SAFETY_OFFICER})


class CanManageRisks:
    """Admins, mine managers and safety officers for any area; an area manager for areas within their own unit."""

    @staticmethod
    def allows(actor: Principal, parents: Mapping[uuid.UUID, uuid.UUID | None], area_id: uuid.UUID) -> bool:
        if actor.roles & RISK_OFFICERS:
            return True
        return (Role.AREA_MANAGER in actor.roles and actor.area_id is not None
                and org_rules.within(parents, area_id, actor.area_id))

    @classmethod
    def check(cls, actor: Principal, parents: Mapping[uuid.UUID, uuid.UUID | None], area_id: uuid.UUID) -> None:
        if not cls.allows(actor, parents, area_id):
            raise NotAllowed("risk points are managed by safety officers, the mine manager, an admin, "
                                  "or the area manager within their area")


class CanSetGradingScheme:
    @staticmethod
    def check(actor: Principal) -> None:
        if not actor.has_any(Role.ADMIN, Role.MINE_MANAGER):
            raise NotAllowed("the grading bands are set by an admin or the mine manager")
