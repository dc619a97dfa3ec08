"""Pure rules of the hazard loop: states, allowed steps, default deadlines, overdue and escalation."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


class HazardState(enum.StrEnum):
    REPORTED = "REPORTED"
    ASSIGNED = "ASSIGNED"
    RECTIFYING = "RECTIFYING"
    PENDING_REVIEW = "PENDING_REVIEW"
    CLOSED = "CLOSED"
    DISMISSED = "DISMISSED"


class HazardGrade(enum.StrEnum):
    MAJOR = "MAJOR"  # 重大隐患
    GENERAL = "GENERAL"  # 一般隐患


class HazardLevel(enum.StrEnum):
    A = "A"  # resolved at group level
    B = "B"  # mine level
    C = "C"  # team level


class HazardSource(enum.StrEnum):
    PERSON = "PERSON"
    ROBOT = "ROBOT"
    CAMERA = "CAMERA"
    VISION = "VISION"
    SENSOR = "SENSOR"
    INSPECTION = "INSPECTION"
    ALERT = "ALERT"


class HazardStep(enum.StrEnum):
    TRIAGE = "triage"
    ACCEPT = "accept"
    SUBMIT_RECTIFICATION = "submit_rectification"
    REINSPECT_PASS = "reinspect_pass"
    REINSPECT_FAIL = "reinspect_fail"
    DISMISS = "dismiss"
    REASSIGN = "reassign"
    SIGN_OFF = "sign_off"


S = HazardState
ALLOWED_FROM: Mapping[HazardStep, frozenset[HazardState]] = {
    HazardStep.TRIAGE: frozenset({S.REPORTED}),
    HazardStep.ACCEPT: frozenset({S.ASSIGNED}),
    HazardStep.SUBMIT_RECTIFICATION: frozenset({S.RECTIFYING}),
    HazardStep.REINSPECT_PASS: frozenset({S.PENDING_REVIEW}),
    HazardStep.REINSPECT_FAIL: frozenset({S.PENDING_REVIEW}),
    HazardStep.DISMISS: frozenset({S.REPORTED, S.ASSIGNED}),
    HazardStep.REASSIGN: frozenset({S.ASSIGNED, S.RECTIFYING}),
    HazardStep.SIGN_OFF: frozenset({S.ASSIGNED, S.RECTIFYING, S.PENDING_REVIEW}),
}
MIN_ESCALATION_SPAN = timedelta(hours=1)
OPEN_STATES = frozenset({S.REPORTED, S.ASSIGNED, S.RECTIFYING, S.PENDING_REVIEW})

# DOMAIN.md defaults, in hours; a mine overrides them in its settings under "hazard_deadline_hours".
DEFAULT_DEADLINE_HOURS: Mapping[str, int] = {"A": 7 * 24, "B": 3 * 24, "C": 24, "MAJOR_PLAN": 24}


def can_take(step: HazardStep, state: HazardState) -> bool:
    return state in ALLOWED_FROM[step]


def default_deadline(grade: HazardGrade, level: HazardLevel | None, triaged_at: datetime,
                     overrides: Mapping[str, int] | None = None) -> datetime:
    """The deadline a triage gets when none is given: by level, or the 24 h treatment-plan limit."""
    hours = {**DEFAULT_DEADLINE_HOURS, **(overrides or {})}
    key = "MAJOR_PLAN" if grade is HazardGrade.MAJOR else (level or HazardLevel.C).value
    return triaged_at + timedelta(hours=hours[key])


def is_overdue(state: HazardState, deadline: datetime | None, now: datetime) -> bool:
    return state in OPEN_STATES and deadline is not None and now > deadline


def escalation_steps(state: HazardState, assigned_at: datetime | None, deadline: datetime | None,
                     now: datetime) -> int:
    """How many steps up the responsibility chain an overdue hazard has climbed (0 when on time).

    One step when the deadline passes, one more for each further deadline-length that elapses.
    """
    if not is_overdue(state, deadline, now) or deadline is None:
        return 0
    span = (deadline - assigned_at) if assigned_at and deadline > assigned_at else timedelta(hours=24)
    return 1 + int((now - deadline) / max(span, MIN_ESCALATION_SPAN))


@dataclass(frozen=True, slots=True)
class TreatmentPlanCheck:
    """What a major hazard's treatment plan (治理方案, 五落实) must name."""

    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing


TREATMENT_PLAN_FIELDS = ("measures", "responsible_people", "funds", "deadline", "contingency_plan")


def check_treatment_plan(plan: Mapping[str, object] | None) -> TreatmentPlanCheck:
    if not plan:
        return TreatmentPlanCheck(TREATMENT_PLAN_FIELDS)
    return TreatmentPlanCheck(tuple(f for f in TREATMENT_PLAN_FIELDS if not plan.get(f)))
