"""Pure rules of the hazard loop: states, allowed steps, default deadlines, overdue and escalation."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

# the vocabulary is the contract's; the backend's modules may take it from here
from contracts.hazards import HazardGrade, HazardLevel, HazardState


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


def plan_deadline(plan: Mapping[str, object] | None) -> datetime | None:
    """The rectification deadline a major hazard's treatment plan names (DOMAIN.md: the deadline is the plan's):
    an ISO date means the end of that day (UTC), an ISO time must carry its zone; None when it names no such time."""
    raw = str((plan or {}).get("deadline") or "").strip()
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw) + timedelta(days=1), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def check_treatment_plan(plan: Mapping[str, object] | None) -> TreatmentPlanCheck:
    if not plan:
        return TreatmentPlanCheck(TREATMENT_PLAN_FIELDS)
    return TreatmentPlanCheck(tuple(f for f in TREATMENT_PLAN_FIELDS if not plan.get(f)))


class NamedInLanguages(Protocol):
    names: Mapping[str, str]


MINE_LANGUAGE = "zh"


def in_language(texts: Mapping[str, str], language: str | None) -> str:
    """A text in the asked language, else the mine's own (zh), else any."""
    for key in (language, MINE_LANGUAGE):
        if key and texts.get(key):
            return texts[key]
    return next((t for t in texts.values() if t), "")


def category_name(category: NamedInLanguages, language: str | None = None) -> str:
    return in_language(category.names, language)
