"""Assessment scoring, pure: each rule, the no-data policies, the explanation, ties in the ranking, scheme checks."""

from __future__ import annotations

import pytest

from backend.kpi.rules import Indicator as I
from backend.kpi.scoring import (
    DEFAULT_SCHEME,
    IndicatorRule,
    NoData,
    ScoringRule,
    UnitScore,
    check_scheme,
    earned_points,
    rank_scores,
    score_unit,
)

SCHEME = [
    IndicatorRule(I.CLOSE_OUT_RATE, 40, 0.9),                                          # HIGHER_BETTER
    IndicatorRule(I.MEAN_HOURS_TO_CLOSE, 20, 24, ScoringRule.LOWER_BETTER),
    IndicatorRule(I.OVERDUE, 30, 0, ScoringRule.DEDUCT_PER_UNIT, deduct=8),
    IndicatorRule(I.EXAM_PASS_RATE, 10, 0.8, ScoringRule.PASS_FAIL, no_data=NoData.FULL),
]


def test_each_rule_by_hand() -> None:
    assert earned_points(SCHEME[0], 0.45)[0] == 20 and earned_points(SCHEME[0], 0.95)[0] == 40
    assert earned_points(SCHEME[1], 12)[0] == 20 and earned_points(SCHEME[1], 48)[0] == 10
    assert earned_points(SCHEME[2], 0)[0] == 30 and earned_points(SCHEME[2], 2)[0] == 14
    assert earned_points(SCHEME[2], 10)[0] == 0  # never below zero
    assert earned_points(SCHEME[3], 0.8)[0] == 10 and earned_points(SCHEME[3], 0.79)[0] == 0
    lower = IndicatorRule(I.OVERDUE, 10, 1, ScoringRule.PASS_FAIL, lower_is_better=True)
    assert earned_points(lower, 1)[0] == 10 and earned_points(lower, 2)[0] == 0


def test_a_units_score_and_what_cost_it_points() -> None:
    score = score_unit("TEAM:t1", SCHEME, {I.CLOSE_OUT_RATE: 0.45, I.MEAN_HOURS_TO_CLOSE: 48, I.OVERDUE: 2,
                                           I.EXAM_PASS_RATE: None})
    assert score.score == 20 + 10 + 14 + 10  # the exam indicator had no data: full points by its policy
    lost = [(i.indicator, i.lost) for i in score.explain()]
    assert lost == [(I.CLOSE_OUT_RATE, 20), (I.OVERDUE, 16), (I.MEAN_HOURS_TO_CLOSE, 10)]
    assert "2 over the target 0, 8 points each" in score.explain()[1].note


def test_excluded_indicators_scale_the_others_to_100() -> None:
    rules = [IndicatorRule(I.CLOSE_OUT_RATE, 50, 1.0), IndicatorRule(I.SENSOR_ONLINE_RATE, 50, 1.0)]
    score = score_unit("PERSON:p1", rules, {I.CLOSE_OUT_RATE: 0.5, I.SENSOR_ONLINE_RATE: None})
    assert score.score == 50  # half of the one indicator assessed, scaled from 50 to 100 points
    assert score.items[0].weight == 100 and score.items[0].lost == 50
    assert score.items[1].counted is False and score.items[1].note == "no data: not assessed"
    zero = [IndicatorRule(I.CLOSE_OUT_RATE, 100, 1.0, no_data=NoData.ZERO)]
    assert score_unit("x", zero, {}).score == 0
    assert score_unit("x", rules, {}).score is None  # nothing could be assessed


def test_ranking_shares_ranks_on_ties_and_leaves_the_unscored_last() -> None:
    ranked = rank_scores([UnitScore("b", 80), UnitScore("a", 95), UnitScore("c", 80), UnitScore("d", None),
                          UnitScore("e", 70)])
    assert [(s.unit_key, s.rank) for s in ranked] == [("a", 1), ("b", 2), ("c", 2), ("e", 4), ("d", None)]
    assert rank_scores([]) == []


def test_a_scheme_is_checked() -> None:
    assert check_scheme(DEFAULT_SCHEME) == [] and check_scheme(SCHEME) == []
    problems = check_scheme([IndicatorRule(I.CLOSE_OUT_RATE, 60, 0), IndicatorRule(I.CLOSE_OUT_RATE, 30, 1),
                             IndicatorRule(I.OVERDUE, -5, 0, ScoringRule.DEDUCT_PER_UNIT)])
    assert any("appears twice" in p for p in problems)
    assert any("HIGHER_BETTER needs a target above 0" in p for p in problems)
    assert any("weight must be a positive" in p for p in problems)
    assert any("points deducted per unit" in p for p in problems)
    assert any("add up to 85" in p for p in problems)
    assert check_scheme([]) == ["a scheme needs at least one indicator"]


@pytest.mark.parametrize("rule", SCHEME)
def test_rules_survive_storage(rule: IndicatorRule) -> None:
    assert IndicatorRule.from_dict(rule.as_dict()) == rule
