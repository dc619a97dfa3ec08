"""Who may take each step of the hazard loop: small classes named for what they allow."""

from __future__ import annotations

from typing import ClassVar

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed
from backend.hazards.models import Hazard
from backend.hazards.rules import HazardStep, can_take
from contracts.hazards import HazardGrade, HazardLevel

OFFICERS = frozenset({Role.SAFETY_OFFICER, Role.MINE_MANAGER})


class HazardPermission:
    """Raises NotAllowed with a reason a person understands."""

    roles: ClassVar[frozenset[Role]] = frozenset()

    @classmethod
    def check(cls, actor: Principal, hazard: Hazard) -> None:
        if not actor.roles & cls.roles and not cls.also_allows(actor, hazard):
            raise NotAllowed(cls.refusal())

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
        raise NotAllowed("triage needs a safety officer, the area manager, or a team leader for level C")


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
            raise NotAllowed("the re-inspector must not be the person who rectified the hazard")

    @classmethod
    def refusal(cls) -> str:
        return "re-inspection needs a safety officer"


class CanDismissHazard(HazardPermission):
    roles = frozenset({Role.SAFETY_OFFICER})

    @classmethod
    def check(cls, actor: Principal, hazard: Hazard) -> None:
        super().check(actor, hazard)
        if actor.id == hazard.reporter_id:
            raise NotAllowed("a reporter may not dismiss their own report")

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


# The one table of which permission guards which step; the mutations and Hazard.allowedSteps both use it.
STEP_PERMISSIONS: dict[HazardStep, type[HazardPermission]] = {
    HazardStep.TRIAGE: CanTriageHazard,
    HazardStep.ACCEPT: CanAcceptHazard,
    HazardStep.SUBMIT_RECTIFICATION: CanRectifyHazard,
    HazardStep.REINSPECT_PASS: CanReinspectHazard,
    HazardStep.REINSPECT_FAIL: CanReinspectHazard,
    HazardStep.DISMISS: CanDismissHazard,
    HazardStep.REASSIGN: CanReassignHazard,
    HazardStep.SIGN_OFF: CanSignOffMajorHazard,
}


def triage_levels(actor: Principal, hazard: Hazard) -> list[HazardLevel | None]:
    """The levels this person may triage the hazard at (None: as a major hazard, which has no level)."""
    allowed: list[HazardLevel | None] = []
    for level in (*HazardLevel, None):
        try:
            CanTriageHazard.check_level(actor, hazard, level)
        except NotAllowed:
            continue
        allowed.append(level)
    return allowed


def _permitted(actor: Principal, hazard: Hazard, step: HazardStep) -> bool:
    if step is HazardStep.TRIAGE:
        return bool(triage_levels(actor, hazard))
    try:
        STEP_PERMISSIONS[step].check(actor, hazard)
    except NotAllowed:
        return False
    return True


def allowed_steps(actor: Principal, hazard: Hazard) -> list[HazardStep]:
    """The steps this person may take on the hazard now: its state allows them and so do the permissions.

    The same checks the mutations make (flows._require_step and the classes above), so a client that
    offers only these is never refused for its role or the hazard's state.
    """
    if actor.is_device or actor.mine_id != hazard.mine_id:
        return []
    steps = []
    for step in HazardStep:
        if not can_take(step, hazard.state) or not _permitted(actor, hazard, step):
            continue
        if step is HazardStep.REINSPECT_PASS and hazard.reinspection_passed_at is not None:
            continue
        if step is HazardStep.SIGN_OFF and (hazard.grade is not HazardGrade.MAJOR or hazard.signed_off_at is not None):
            continue
        steps.append(step)
    return steps
