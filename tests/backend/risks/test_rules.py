"""Grading at every band boundary, refused inputs naming their field, configurable bands and matrices,
control levels, and the dynamic shown level — pure functions, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.risks import rules
from backend.risks.rules import ControlLevel, GradingError, LecBand, LiveFactors, RiskLevel

B, Y, O, R = RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED  # noqa: E741


@pytest.mark.parametrize(("d", "level", "band"), [
    (19.9, B, "acceptable"), (20, B, "acceptable"), (20.1, B, "general"),
    (69.9, B, "general"), (70, B, "general"), (70.1, Y, "significant"),
    (160, Y, "significant"), (160.1, O, "high"),
    (320, O, "high"), (320.1, R, "extreme"), (1000, R, "extreme"),
])
def test_lec_bands_at_every_boundary(d: float, level: RiskLevel, band: str) -> None:
    # D = L × E × C with E = 1 and C = D (or L = D / 100, C = 100) reaches each boundary exactly
    grade = rules.grade_lec(1, 1, d) if d <= 100 else rules.grade_lec(d / 100, 1, 100)
    assert grade.score == pytest.approx(d)
    assert (grade.level, grade.band) == (level, band)


def test_lec_products_that_land_on_boundaries() -> None:
    assert rules.grade_lec(1, 2, 10).score == 20 and rules.grade_lec(1, 2, 10).band == "acceptable"
    assert rules.grade_lec(7, 1, 10).level is B  # 70: general (blue)
    assert rules.grade_lec(1, 2, 80).level is Y  # 160: significant
    assert rules.grade_lec(3.2, 1, 100).level is O  # 320: high
    assert rules.grade_lec(10, 10, 100).level is R  # 10000: extreme


@pytest.mark.parametrize(("l", "s", "level"), [
    (1, 3, B), (3, 1, B), (1, 4, Y), (2, 2, Y), (2, 4, Y), (4, 2, Y), (3, 3, O), (1, 5, Y), (5, 2, O),
    (4, 4, O), (4, 5, R), (5, 4, R), (5, 5, R), (1, 1, B),
])
def test_matrix_boundaries(l: int, s: int, level: RiskLevel) -> None:  # noqa: E741
    # 3/4: blue/yellow, 8/9: yellow/orange, 16/20: orange/red
    assert rules.grade_matrix(l, s).level is level
    assert rules.grade_matrix(l, s).score == l * s


@pytest.mark.parametrize(("args", "field"), [
    ((0.05, 1, 1), "likelihood"), ((11, 1, 1), "likelihood"), ((1, 0.4, 1), "exposure"), ((1, 10.5, 1), "exposure"),
    ((1, 1, 0.5), "consequence"), ((1, 1, 101), "consequence"), ((float("nan"), 1, 1), "likelihood"),
])
def test_lec_out_of_range_names_the_field(args: tuple[float, float, float], field: str) -> None:
    with pytest.raises(GradingError) as caught:
        rules.grade_lec(*args)
    assert caught.value.field == field


@pytest.mark.parametrize(("args", "field"), [((0, 3), "likelihood"), ((6, 3), "likelihood"), ((3, 0), "severity"),
                                             ((3, 6), "severity"), ((True, 3), "likelihood")])
def test_matrix_out_of_range_names_the_field(args: tuple[int, int], field: str) -> None:
    with pytest.raises(GradingError) as caught:
        rules.grade_matrix(*args)
    assert caught.value.field == field


def test_bands_and_matrix_are_configurable() -> None:
    folded = (LecBand(320, R, "extreme"), LecBand(160, O, "high"), LecBand(70, Y, "significant"),
              LecBand(0, B, "low"))
    assert rules.grade_lec(1, 2, 10, folded).band == "low"
    # 9 as yellow (sources disagree): cut-offs configurable
    nine_yellow = rules.matrix_from_cutoffs(red_from=20, orange_from=10, yellow_from=4)
    assert rules.grade_matrix(3, 3, nine_yellow).level is Y
    assert rules.grade_matrix(3, 3).level is O
    # one cell changed by hand
    grid = [list(row) for row in rules.DEFAULT_MATRIX]
    grid[3][3] = R  # likelihood 4 × severity 4 (16) made red; its higher neighbours are red already
    checked = rules.check_matrix(grid)
    assert rules.grade_matrix(4, 4, checked).level is R


def test_bad_schemes_are_refused() -> None:
    with pytest.raises(GradingError, match="5 rows"):
        rules.check_matrix([[B] * 5] * 4)
    lower = [list(row) for row in rules.DEFAULT_MATRIX]
    lower[4][4] = B
    with pytest.raises(GradingError, match="lower"):
        rules.check_matrix(lower)
    with pytest.raises(GradingError, match="start at 0"):
        rules.check_lec_bands([LecBand(320, R, "x"), LecBand(20, B, "y")])
    with pytest.raises(GradingError, match="lower level"):
        rules.check_lec_bands([LecBand(320, B, "x"), LecBand(0, R, "y")])
    with pytest.raises(GradingError, match="same value"):
        rules.check_lec_bands([LecBand(0, R, "x"), LecBand(0, B, "y")])


def test_control_levels_and_posts() -> None:
    assert [rules.required_control(level) for level in (R, O, Y, B)] == [
        ControlLevel.MINE, ControlLevel.DISTRICT, ControlLevel.TEAM, ControlLevel.POST]
    assert rules.post_control_level(None, False) is ControlLevel.MINE
    assert rules.post_control_level("d", True) is ControlLevel.DISTRICT
    assert rules.post_control_level("a", False) is ControlLevel.TEAM
    assert rules.post_fits(R, ControlLevel.MINE) and not rules.post_fits(R, ControlLevel.DISTRICT)
    assert rules.post_fits(O, ControlLevel.DISTRICT) and not rules.post_fits(O, ControlLevel.TEAM)
    assert rules.post_fits(Y, ControlLevel.TEAM) and rules.post_fits(B, ControlLevel.TEAM)
    assert rules.post_fits(B, ControlLevel.MINE)


def test_dynamic_level_rises_and_returns() -> None:
    assert rules.shown_level(Y, LiveFactors()) == rules.ShownLevel(Y, False)
    raised = rules.shown_level(Y, LiveFactors(open_hazards=1))
    assert (raised.level, raised.raised, raised.causes) == (O, True, ("hazard",))
    assert rules.shown_level(B, LiveFactors(major_hazards=1, open_hazards=1)).level is R
    assert rules.shown_level(B, LiveFactors(alarms=1, critical_alarms=1)).level is R
    assert rules.shown_level(O, LiveFactors(vision_events=2)).level is R
    top = rules.shown_level(R, LiveFactors(alarms=1))
    assert (top.level, top.raised, top.causes) == (R, False, ("alarm",))


def test_review_due_and_state() -> None:
    now = datetime(2026, 12, 4, tzinfo=UTC)
    assert rules.default_review_due(R, now) == now + timedelta(days=90)
    assert rules.default_review_due(B, now) == now + timedelta(days=365)
    assert rules.review_state(now + timedelta(days=40), now) == "OK"
    assert rules.review_state(now + timedelta(days=10), now) == "DUE_SOON"
    assert rules.review_state(now - timedelta(seconds=1), now) == "OVERDUE"


def test_suggestions_skip_what_the_point_has() -> None:
    own = [rules.MeasureSuggestion(rules.RiskCategory.GAS, rules.MeasureKind.MANAGEMENT, "Our own gas rule")]
    found = rules.suggestions([rules.RiskCategory.GAS], own,
                              existing=["gas inspector checks each shift, three checks per blast (一炮三检)"])
    assert found[0].text == "Our own gas rule"
    assert all("Gas inspector" not in s.text for s in found)
    assert {s.kind for s in found} >= {rules.MeasureKind.ENGINEERING, rules.MeasureKind.PPE}
