"""Who may take which permit step (roles of DOMAIN.md; a refusal has one shape: NotAllowed)."""

from __future__ import annotations

import uuid

from backend.accounts.roles import Principal, Role
from backend.errors import NotAllowed
from backend.permits.models import Permit
from backend.permits.rules import PermitState, PermitStep

OVERSIGHT = (Role.SAFETY_OFFICER, Role.MINE_MANAGER)


def _people(permit: Permit) -> set[uuid.UUID]:
    return {permit.work_leader_id, permit.guardian_id}


class CanApplyForPermit:
    @staticmethod
    def check(actor: Principal) -> None:
        if actor.is_device:
            raise NotAllowed("devices do not apply for permits")


class CanRunPermit:
    """Start, resume, close: the work leader or the guardian (监护人)."""

    @staticmethod
    def check(actor: Principal, permit: Permit, what: str) -> None:
        if actor.id not in _people(permit):
            raise NotAllowed(f"only the work leader or the guardian may {what} this permit")


class CanSuspendPermit:
    """Anyone responsible for the work may stop it: leader, guardian, approvers, safety officers, managers."""

    @staticmethod
    def check(actor: Principal, permit: Permit, approver_ids: set[uuid.UUID]) -> None:
        if actor.id in _people(permit) or actor.id in approver_ids or actor.has_any(*OVERSIGHT):
            return
        raise NotAllowed("only the work leader, the guardian, an approver or a safety officer may stop it")


class CanCancelPermit:
    @staticmethod
    def check(actor: Principal, permit: Permit) -> None:
        if actor.id == permit.applicant_id or actor.has_any(*OVERSIGHT):
            return
        raise NotAllowed("only the applicant or a safety officer may cancel this permit")


class CanRejectPermit:
    @staticmethod
    def check(actor: Principal, permit: Permit) -> None:
        if actor.id == permit.applicant_id:
            raise NotAllowed("the applicant may not decide their own permit")
        if not actor.has_any(*(Role(r) for r in permit.required_roles if r in Role.__members__.values())):
            raise NotAllowed("only one of this permit's approvers may reject it")


def allowed_steps(actor: Principal, permit: Permit, signed_roles: set[str], signer_ids: set[uuid.UUID],
                  *, blasting: bool = False) -> list[PermitStep]:
    """The steps the person may try now (the flows check the rest: gas, positions, alarms)."""
    from backend.permits.rules import can_take

    steps: list[PermitStep] = []
    runs = actor.id in _people(permit)
    mine = {r.value for r in actor.roles}
    if (can_take(PermitStep.APPROVE, permit.state) and actor.id != permit.applicant_id
            and actor.id not in signer_ids and (set(permit.required_roles) - signed_roles) & mine):
        steps += [PermitStep.APPROVE]
    if can_take(PermitStep.REJECT, permit.state) and actor.id != permit.applicant_id and \
            set(permit.required_roles) & mine:
        steps.append(PermitStep.REJECT)
    if can_take(PermitStep.GAS_TEST, permit.state) and (runs or actor.has_any(Role.SAFETY_OFFICER)
                                                       or str(actor.id) in (permit.blast_roles or {}).values()):
        steps.append(PermitStep.GAS_TEST)
    for step in (PermitStep.START, PermitStep.RESUME, PermitStep.CLOSE):
        if runs and can_take(step, permit.state):
            steps.append(step)
    if can_take(PermitStep.SUSPEND, permit.state) and (runs or actor.id in signer_ids or actor.has_any(*OVERSIGHT)):
        steps.append(PermitStep.SUSPEND)
    if can_take(PermitStep.CANCEL, permit.state) and (actor.id == permit.applicant_id or actor.has_any(*OVERSIGHT)):
        steps.append(PermitStep.CANCEL)
    if blasting and permit.state is PermitState.ACTIVE and str(actor.id) in (permit.blast_roles or {}).values():
        steps += [PermitStep.PASS_TOKEN, PermitStep.FIRE]
    return steps
