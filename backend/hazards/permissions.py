"""Who may take each step of the hazard loop: small classes named for what they allow."""

from __future__ import annotations

from typing import ClassVar

from backend.accounts.roles import Principal, Role
from backend.graphql.errors import NotAllowedError
from backend.hazards.models import Hazard
from backend.hazards.rules import HazardLevel

OFFICERS = frozenset({Role.SAFETY_OFFICER, Role.MINE_MANAGER})


class HazardPermission:
    """Raises NotAllowedError with a reason a person understands."""

    roles: ClassVar[frozenset[Role]] = frozenset()

    @classmethod
    def check(cls, actor: Principal, hazard: Hazard) -> None:
        if not actor.roles & cls.roles and not cls.also_allows(actor, hazard):
            raise NotAllowedError(cls.refusal())

    @classmethod
    def also_allows(cls, actor: Principal, hazard: Hazard) -> bool:
        return False

    @classmethod
    def refusal(cls) -> str:
        return "your role does not allow this step"


def _manages_area(actor: Principal, hazard: Hazard) -> bool:
    return Role.AREA_MANAGER in actor.roles and actor.area_id == hazard.area_id


class CanReportHazard:
    @staticmethod
    def check(actor: Principal) -> None:
        """Every person and every robot or camera of the mine may report."""


class CanTriageHazard(HazardPermission):
    roles = OFFICERS

    @classmethod
    def check_level(cls, actor: Principal, hazard: Hazard, level: HazardLevel | None) -> None:
        """Team leaders triage team-level (C) hazards of their own area; officers and area managers any."""
        if actor.roles & cls.roles or _manages_area(actor, hazard):
            return
        if Role.TEAM_LEADER in actor.roles and level is HazardLevel.C and actor.area_id == hazard.area_id:
            return
        raise NotAllowedError("triage needs a safety officer, the area manager, or a team leader for level C")


class CanAcceptHazard(HazardPermission):
    @classmethod
    def also_allows(cls, actor: Principal, hazard: Hazard) -> bool:
        return actor.id == hazard.responsible_id or (
            Role.TEAM_LEADER in actor.roles and hazard.team_id is not None and actor.team_id == hazard.team_id)

    @classmethod
    def refusal(cls) -> str:
        return "only the responsible person or their team leader can accept this hazard"


class CanRectifyHazard(CanAcceptHazard):
    @classmethod
    def refusal(cls) -> str:
        return "only the responsible person or their team leader can submit the rectification"


class CanReinspectHazard(HazardPermission):
    roles = frozenset({Role.SAFETY_OFFICER})

    @classmethod
    def check(cls, actor: Principal, hazard: Hazard) -> None:
        super().check(actor, hazard)
        if actor.id in (hazard.rectifier_id, hazard.responsible_id):
            raise NotAllowedError("the re-inspector must not be the person who rectified the hazard")

    @classmethod
    def refusal(cls) -> str:
        return "re-inspection needs a safety officer"


class CanDismissHazard(HazardPermission):
    roles = frozenset({Role.SAFETY_OFFICER})

    @classmethod
    def check(cls, actor: Principal, hazard: Hazard) -> None:
        super().check(actor, hazard)
        if actor.id == hazard.reporter_id:
            raise NotAllowedError("a reporter may not dismiss their own report")

    @classmethod
    def refusal(cls) -> str:
        return "dismissing a report needs a safety officer"


class CanReassignHazard(HazardPermission):
    roles = OFFICERS

    @classmethod
    def also_allows(cls, actor: Principal, hazard: Hazard) -> bool:
        return _manages_area(actor, hazard)

    @classmethod
    def refusal(cls) -> str:
        return "reassigning needs a safety officer or the area manager"


class CanSignOffMajorHazard(HazardPermission):
    roles = frozenset({Role.MINE_MANAGER})

    @classmethod
    def refusal(cls) -> str:
        return "a major hazard is signed off by the mine manager"
