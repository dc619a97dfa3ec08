"""The permit rules as pure functions: the state machine, windows, approvals, gas tests, conflicts, the chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.permits.defaults import DEFAULT_KINDS
from backend.permits.rules import (
    ALLOWED_FROM,
    AreaSafety,
    GasReading,
    GasTestStage,
    PermitGrade,
    PermitState,
    PermitStep,
    PermitWindow,
    Signature,
    SuspendCause,
    adjacent_areas,
    affected_areas,
    approval_problem,
    can_take,
    conflict,
    fire_problem,
    gas_test_problem,
    kind_spec,
    next_token_holder,
    required_roles,
    unsafe_reasons,
    window_problem,
)

T0 = datetime(2026, 12, 4, 8, tzinfo=UTC)
SPECS = {k["code"]: kind_spec(k["code"], k["rules"], k["grades"], k["measures"]) for k in DEFAULT_KINDS}
HOT, BLAST = SPECS["HOT_WORK"], SPECS["BLASTING"]


def test_terminal_states_allow_nothing_and_every_step_has_a_source() -> None:
    for state in (PermitState.CLOSED, PermitState.REJECTED, PermitState.CANCELLED, PermitState.EXPIRED):
        assert not any(can_take(step, state) for step in PermitStep)
    assert set(ALLOWED_FROM) == set(PermitStep)
    assert can_take(PermitStep.RESUME, PermitState.SUSPENDED) and not can_take(PermitStep.RESUME, PermitState.ACTIVE)
    assert not can_take(PermitStep.START, PermitState.APPLIED)


@pytest.mark.parametrize(("grade", "hours", "ok"), [(PermitGrade.SPECIAL, 8, True), (PermitGrade.FIRST, 8.01, False),
                                                    (PermitGrade.SECOND, 72, True), (PermitGrade.SECOND, 73, False)])
def test_hot_work_validity_by_grade(grade: PermitGrade, hours: float, ok: bool) -> None:
    problem = window_problem(HOT, grade, T0, T0 + timedelta(hours=hours), T0)
    assert (problem is None) is ok
    assert window_problem(BLAST, PermitGrade.SECOND, T0, T0 + timedelta(hours=1), T0) is not None  # no such grade
    assert window_problem(HOT, PermitGrade.FIRST, T0, T0, T0) is not None


def test_underground_hot_work_adds_the_mine_manager_once() -> None:
    assert required_roles(HOT, PermitGrade.SECOND, underground=False) == ("area_manager",)
    assert required_roles(HOT, PermitGrade.SECOND, underground=True) == ("area_manager", "mine_manager")
    assert required_roles(HOT, PermitGrade.SPECIAL, underground=True) == ("area_manager", "safety_officer",
                                                                          "mine_manager")
    assert required_roles(SPECS["ROOF_SUPPORT"], PermitGrade.FIRST, underground=True) == ("area_manager",
                                                                                         "safety_officer")


def test_approvals_never_by_the_applicant_one_person_one_role() -> None:
    required = ("area_manager", "safety_officer")
    args = {"required": required, "applicant": "a"}
    assert approval_problem(signatures=[], role="area_manager", approver="a", approver_roles={"area_manager"},
                            **args) is not None
    assert approval_problem(signatures=[], role="area_manager", approver="b", approver_roles={"miner"},
                            **args) is not None
    assert approval_problem(signatures=[], role="mine_manager", approver="b", approver_roles={"mine_manager"},
                            **args) is not None
    signed = [Signature("area_manager", "b")]
    assert approval_problem(signatures=signed, role="safety_officer", approver="b",
                            approver_roles={"area_manager", "safety_officer"}, **args) is not None
    assert approval_problem(signatures=signed, role="safety_officer", approver="c",
                            approver_roles={"safety_officer"}, **args) is None


def test_gas_tests_at_most_30_minutes_old_and_under_the_limit() -> None:
    fresh = GasReading(0.5, T0)
    assert gas_test_problem(HOT, fresh, T0 + timedelta(minutes=30)) is None
    assert "31 min" in gas_test_problem(HOT, fresh, T0 + timedelta(minutes=31))
    assert gas_test_problem(HOT, GasReading(0.51, T0), T0) is not None
    assert gas_test_problem(HOT, None, T0) == "no gas test yet"
    assert "fresh" in gas_test_problem(HOT, fresh, T0, after=T0)  # not newer than the stop
    assert gas_test_problem(BLAST, GasReading(1.0, T0), T0) is not None  # blasting: below 1.0 %
    assert gas_test_problem(BLAST, GasReading(0.99, T0), T0) is None


def test_the_interlock_reasons() -> None:
    assert unsafe_reasons(HOT, AreaSafety()) == ()
    assert unsafe_reasons(HOT, AreaSafety(ch4_max=0.5, guardian_present=True)) == ()
    assert unsafe_reasons(HOT, AreaSafety(open_alarms=1, power_cut=True, ch4_max=0.51, guardian_present=False,
                                          strangers=("x",))) == (
        SuspendCause.ALARM, SuspendCause.POWER_CUT, SuspendCause.GAS_OVER_LIMIT, SuspendCause.GUARDIAN_LEFT,
        SuspendCause.STRANGER_ENTERED)
    assert unsafe_reasons(SPECS["ROOF_SUPPORT"], AreaSafety(ch4_max=0.9)) == ()
    assert affected_areas("a", {"a": "d", "b": "d"}) == {"a"}


def test_conflicts_hot_work_beside_blasting_in_an_adjacent_overlapping_window() -> None:
    parents = {"a": "d", "b": "d", "c": None, "d": None}
    hot = PermitWindow("HOT_WORK", "a", T0, T0 + timedelta(hours=4), HOT.conflicts_with)
    blast = PermitWindow("BLASTING", "b", T0 + timedelta(hours=3), T0 + timedelta(hours=5), BLAST.conflicts_with)
    assert conflict(hot, blast, adjacent_areas("a", parents)) is not None
    assert conflict(blast, hot, adjacent_areas("b", parents)) is not None
    later = PermitWindow("BLASTING", "b", T0 + timedelta(hours=4), T0 + timedelta(hours=5), BLAST.conflicts_with)
    assert conflict(hot, later, adjacent_areas("a", parents)) is None  # windows touch, no overlap
    apart = PermitWindow("BLASTING", "c", T0, T0 + timedelta(hours=4), BLAST.conflicts_with)
    assert conflict(hot, apart, adjacent_areas("a", parents)) is None
    roof = PermitWindow("ROOF_SUPPORT", "a", T0, T0 + timedelta(hours=4))
    assert conflict(hot, roof, adjacent_areas("a", parents)) is None


def test_the_token_chain_and_firing() -> None:
    assert [next_token_holder(i) for i in range(4)] == ["team_leader", "gas_inspector", "blaster", None]
    tests = {GasTestStage.PRE_CHARGE: GasReading(0.3, T0, GasTestStage.PRE_CHARGE),
             GasTestStage.PRE_FIRE: GasReading(0.4, T0, GasTestStage.PRE_FIRE)}
    assert fire_problem(passes=3, tests=tests, kind=BLAST, now=T0) is None
    assert "token" in fire_problem(passes=2, tests=tests, kind=BLAST, now=T0)
    assert "PRE_FIRE" in fire_problem(passes=3, tests={GasTestStage.PRE_CHARGE: tests[GasTestStage.PRE_CHARGE]},
                                      kind=BLAST, now=T0)
