"""Pure rules of work permits (作业许可): states and steps, grades and windows, gas tests, approvals,
conflicts, the blasting chain (一炮三检, 三人连锁放炮) and the interlock's reasons. No database here."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


class PermitState(enum.StrEnum):
    APPLIED = "APPLIED"  # waiting for its approvals
    APPROVED = "APPROVED"  # every approval in; may start once the gas test and the guardian allow it
    ACTIVE = "ACTIVE"  # work going on
    SUSPENDED = "SUSPENDED"  # stopped by the interlock or a person; resumes only when safe again
    CLOSED = "CLOSED"  # done, with photos
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"  # past its window (the sweep)


class PermitStep(enum.StrEnum):
    GAS_TEST = "gas_test"
    APPROVE = "approve"
    REJECT = "reject"
    START = "start"
    SUSPEND = "suspend"
    RESUME = "resume"
    CLOSE = "close"
    CANCEL = "cancel"
    PASS_TOKEN = "pass_token"
    FIRE = "fire"
    EXPIRE = "expire"


class PermitGrade(enum.StrEnum):
    SPECIAL = "SPECIAL"  # 特级
    FIRST = "FIRST"  # 一级
    SECOND = "SECOND"  # 二级


class GasTestSource(enum.StrEnum):
    SENSOR = "SENSOR"  # a monitoring sensor in the area (its latest reading)
    HAND = "HAND"  # a hand detector, entered by a gas inspector (瓦检员)


class GasTestStage(enum.StrEnum):
    """What a gas test is for: before the start (or a resume), or one of blasting's three checks."""

    START = "START"
    RESUME = "RESUME"
    PRE_CHARGE = "PRE_CHARGE"  # 装药前
    PRE_FIRE = "PRE_FIRE"  # 放炮前
    POST_FIRE = "POST_FIRE"  # 放炮后


class SuspendCause(enum.StrEnum):
    ALARM = "ALARM"
    POWER_CUT = "POWER_CUT"
    GAS_OVER_LIMIT = "GAS_OVER_LIMIT"
    GUARDIAN_LEFT = "GUARDIAN_LEFT"
    STRANGER_ENTERED = "STRANGER_ENTERED"
    MANUAL = "MANUAL"
    PAUSE = "PAUSE"


P = PermitState
LIVE_STATES = frozenset({P.ACTIVE, P.SUSPENDED})
OPEN_STATES = frozenset({P.APPLIED, P.APPROVED, P.ACTIVE, P.SUSPENDED})
TERMINAL_STATES = frozenset({P.CLOSED, P.REJECTED, P.CANCELLED, P.EXPIRED})
ALLOWED_FROM: Mapping[PermitStep, frozenset[PermitState]] = {
    PermitStep.GAS_TEST: frozenset({P.APPLIED, P.APPROVED, P.ACTIVE, P.SUSPENDED}),
    PermitStep.APPROVE: frozenset({P.APPLIED}),
    PermitStep.REJECT: frozenset({P.APPLIED}),
    PermitStep.START: frozenset({P.APPROVED}),
    PermitStep.SUSPEND: frozenset({P.ACTIVE, P.SUSPENDED}),  # a second reason adds to the first
    PermitStep.RESUME: frozenset({P.SUSPENDED}),
    PermitStep.CLOSE: frozenset({P.ACTIVE, P.SUSPENDED}),
    PermitStep.CANCEL: frozenset({P.APPLIED, P.APPROVED}),
    PermitStep.PASS_TOKEN: frozenset({P.ACTIVE}),
    PermitStep.FIRE: frozenset({P.ACTIVE}),
    PermitStep.EXPIRE: OPEN_STATES,
}

GAS_TEST_MAX_AGE = timedelta(minutes=30)  # DOMAIN.md: the test that allows a start is at most 30 min old
CLOCK_ALLOWANCE = timedelta(minutes=2)  # a hand detector's time may be a little ahead of the server
BLAST_CH4_LIMIT = 1.0  # no blasting when CH4 within 20 m is ≥ 1.0 %
GAS_INSPECTOR_POST = "GAS_INSPECTOR"  # 瓦检员: the post code whose holders may enter hand-detector readings


def can_take(step: PermitStep, state: PermitState) -> bool:
    return state in ALLOWED_FROM[step]


# --- kinds, as data --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GradeSpec:
    """One grade of a kind: who approves it (one distinct person per role) and how long a permit may run."""

    grade: PermitGrade
    approver_roles: tuple[str, ...]
    validity_hours: float


@dataclass(frozen=True, slots=True)
class KindSpec:
    """A permit kind as the rules read it (from a mine's `permit_kinds` row)."""

    code: str
    grades: tuple[GradeSpec, ...]
    measures: tuple[str, ...] = ()
    ch4_limit: float | None = None  # the gas reading above which the work stops (hot work: 0.5 %)
    underground_approver: str | None = None  # hot work: underground only with the mine manager's approval
    conflicts_with: tuple[str, ...] = ()  # kinds that may not run beside it (same / adjacent area, overlapping)
    blasting: bool = False  # 一炮三检 and the three-token chain
    isolation: bool = False  # 停送电: it isolates a power zone (lock-out tag-out)

    def grade_spec(self, grade: PermitGrade) -> GradeSpec | None:
        return next((g for g in self.grades if g.grade is grade), None)


def kind_spec(code: str, rules: Mapping[str, Any], grades: Sequence[Mapping[str, Any]],
              measures: Sequence[Mapping[str, Any]]) -> KindSpec:
    """A KindSpec from a kind row's JSON columns."""
    return KindSpec(
        code=code,
        grades=tuple(GradeSpec(PermitGrade(g["grade"]), tuple(g.get("approver_roles", ())),
                               float(g["validity_hours"])) for g in grades),
        measures=tuple(m["code"] for m in measures),
        ch4_limit=rules.get("ch4_limit"), underground_approver=rules.get("underground_approver"),
        conflicts_with=tuple(rules.get("conflicts_with", ())), blasting=bool(rules.get("blasting")),
        isolation=bool(rules.get("isolation")))


def required_roles(kind: KindSpec, grade: PermitGrade, *, underground: bool) -> tuple[str, ...]:
    """The roles whose signatures a permit of this kind and grade needs (in order, no repeats)."""
    spec = kind.grade_spec(grade)
    roles = list(spec.approver_roles if spec else ())
    if underground and kind.underground_approver and kind.underground_approver not in roles:
        roles.append(kind.underground_approver)
    return tuple(roles)


def window_problem(kind: KindSpec, grade: PermitGrade, starts_at: datetime, ends_at: datetime,
                   now: datetime) -> str | None:
    """Why a time window is refused (None: it is fine): ends after it starts, within the grade's validity."""
    spec = kind.grade_spec(grade)
    if spec is None:
        return f"{kind.code} has no grade {grade.value}"
    if ends_at <= starts_at:
        return "the window must end after it starts"
    if ends_at <= now:
        return "the window is already over"
    if ends_at - starts_at > timedelta(hours=spec.validity_hours):
        return f"a {grade.value} {kind.code} permit is valid at most {spec.validity_hours:g} h"
    return None


@dataclass(frozen=True, slots=True)
class Signature:
    role: str
    user_id: object


def missing_roles(required: Sequence[str], signatures: Iterable[Signature]) -> tuple[str, ...]:
    signed = {s.role for s in signatures}
    return tuple(r for r in required if r not in signed)


def approval_problem(*, required: Sequence[str], signatures: Sequence[Signature], role: str, approver: object,
                     applicant: object, approver_roles: Collection[str]) -> str | None:
    """Why this person may not sign for this role (None: they may)."""
    if approver == applicant:
        return "the applicant may not approve their own permit"
    if role not in required:
        return f"this permit needs no {role} approval (it needs: {', '.join(required) or 'none'})"
    if role not in approver_roles:
        return f"signing as {role} needs the {role} role"
    if any(s.role == role for s in signatures):
        return f"the {role} approval is already given"
    if any(s.user_id == approver for s in signatures):
        return "one person signs one approval of a permit"
    return None


# --- gas tests ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GasReading:
    ch4: float
    measured_at: datetime
    stage: GasTestStage = GasTestStage.START


def gas_limit(kind: KindSpec, stage: GasTestStage) -> float | None:
    """The CH4 % a test must stay below: the kind's limit, and for blasting never above 1.0 %."""
    if kind.blasting:
        return min(kind.ch4_limit or BLAST_CH4_LIMIT, BLAST_CH4_LIMIT)
    return kind.ch4_limit


def gas_passes(kind: KindSpec, reading: GasReading) -> bool:
    limit = gas_limit(kind, reading.stage)
    if limit is None:
        return True
    return reading.ch4 < limit if kind.blasting else reading.ch4 <= limit


def gas_test_problem(kind: KindSpec, test: GasReading | None, at: datetime, *,
                     after: datetime | None = None) -> str | None:
    """Why the latest gas test does not allow work at ``at`` (None: it does): a test exists, is at most
    30 minutes old, passed its limit, and (when ``after`` is given, e.g. the suspension) is newer than that."""
    if test is None:
        return "no gas test yet"
    if after is not None and test.measured_at <= after:
        return "a fresh gas test is needed (the last one is from before the stop)"
    age = at - test.measured_at
    if age > GAS_TEST_MAX_AGE:
        return f"the gas test is {int(age.total_seconds() // 60)} min old (at most 30)"
    if not gas_passes(kind, test):
        return f"the gas test found CH4 {test.ch4:g} % (limit {gas_limit(kind, test.stage):g} %)"
    return None


def measured_at_problem(measured_at: datetime, now: datetime) -> str | None:
    if measured_at.tzinfo is None:
        return "measuredAt needs a time zone"
    if measured_at > now + CLOCK_ALLOWANCE:
        return "measuredAt is in the future"
    if now - measured_at > GAS_TEST_MAX_AGE:
        return "a gas test older than 30 minutes allows nothing"
    return None


# --- blasting: 一炮三检 and 三人连锁放炮 ---------------------------------------------------------------
class BlastRole(enum.StrEnum):
    BLASTER = "blaster"  # 放炮员
    TEAM_LEADER = "team_leader"  # 班组长
    GAS_INSPECTOR = "gas_inspector"  # 瓦检员


TOKEN_CHAIN: tuple[BlastRole, ...] = (BlastRole.BLASTER, BlastRole.TEAM_LEADER, BlastRole.GAS_INSPECTOR,
                                      BlastRole.BLASTER)


def next_token_holder(passes: int) -> BlastRole | None:
    """Who gets the token on the next pass (passes made so far); None when the chain is complete."""
    return TOKEN_CHAIN[passes + 1] if passes + 1 < len(TOKEN_CHAIN) else None


def token_holder(passes: int) -> BlastRole:
    return TOKEN_CHAIN[min(passes, len(TOKEN_CHAIN) - 1)]


def fire_problem(*, passes: int, tests: Mapping[GasTestStage, GasReading], kind: KindSpec,
                 now: datetime) -> str | None:
    """Why firing is refused: the gas checked before charging and before firing, the chain back at the blaster."""
    for stage in (GasTestStage.PRE_CHARGE, GasTestStage.PRE_FIRE):
        problem = gas_test_problem(kind, tests.get(stage), now)
        if problem:
            return f"{stage.value}: {problem}"
    if passes < len(TOKEN_CHAIN) - 1:
        return f"the firing token is with the {token_holder(passes).value}, not back with the blaster"
    return None


# --- conflicts between permits --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PermitWindow:
    """What conflict checks need of a permit."""

    kind: str
    area_id: object
    starts_at: datetime
    ends_at: datetime
    conflicts_with: tuple[str, ...] = ()
    power_zone_id: object | None = None


def overlaps(a: PermitWindow, b: PermitWindow) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def conflict(new: PermitWindow, other: PermitWindow, adjacent: Collection[object]) -> str | None:
    """Why two permits may not run together (None: they may): kinds that exclude each other in the same or
    an adjacent area with overlapping windows."""
    if not overlaps(new, other) or other.area_id not in adjacent:
        return None
    if other.kind in new.conflicts_with or new.kind in other.conflicts_with:
        return f"{new.kind} may not run beside {other.kind} in the same or an adjacent area at the same time"
    return None


def isolation_covers(work: PermitWindow, isolation: PermitWindow) -> bool:
    """An isolation permit covers work on a power zone when it names the zone and spans the work's window."""
    return (isolation.power_zone_id is not None and isolation.power_zone_id == work.power_zone_id
            and isolation.starts_at <= work.starts_at and isolation.ends_at >= work.ends_at)


# --- the interlock -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AreaSafety:
    """What the interlock knows about a permit's area now."""

    open_alarms: int = 0
    power_cut: bool = False
    ch4_max: float | None = None  # the highest latest CH4 reading of the area's sensors
    guardian_present: bool | None = None  # None: positioning does not know
    strangers: tuple[object, ...] = field(default_factory=tuple)


def unsafe_reasons(kind: KindSpec, safety: AreaSafety) -> tuple[SuspendCause, ...]:
    """The interlock's reasons to stop (or not resume) work, in a stable order."""
    reasons: list[SuspendCause] = []
    if safety.open_alarms:
        reasons.append(SuspendCause.ALARM)
    if safety.power_cut:
        reasons.append(SuspendCause.POWER_CUT)
    limit = gas_limit(kind, GasTestStage.START)
    if limit is not None and safety.ch4_max is not None and (
            safety.ch4_max >= limit if kind.blasting else safety.ch4_max > limit):
        reasons.append(SuspendCause.GAS_OVER_LIMIT)
    if safety.guardian_present is False:
        reasons.append(SuspendCause.GUARDIAN_LEFT)
    if safety.strangers:
        reasons.append(SuspendCause.STRANGER_ENTERED)
    return tuple(reasons)


def affected_areas(area_id: object, parents: Mapping[object, object | None]) -> frozenset[object]:
    """The areas whose alarms, power cuts and gas stop work in ``area_id``: its own (and, once a roadway
    network exists, the ones upwind of it). One replaceable function."""
    return frozenset({area_id})


def adjacent_areas(area_id: object, parents: Mapping[object, object | None]) -> frozenset[object]:
    """Areas beside ``area_id`` for conflict checks: itself and the areas of the same district."""
    parent = parents.get(area_id)
    if parent is None:
        return frozenset({area_id})
    return frozenset({area_id, *(a for a, p in parents.items() if p == parent)})
