"""Assessment scoring (量化考核打分) as pure functions: a mine's indicators, weights, targets and rules.

A scheme's weights are the points each indicator is worth (they sum to 100). A unit's score is the points
it earned; an indicator it has no data for is, by its own policy, given full points, none, or left out
(then the others are scaled up to 100). Every score carries its explanation: which indicator cost how many
points and why.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from backend.kpi.rules import Indicator

TOTAL_POINTS = 100.0


class ScoringRule(enum.StrEnum):
    HIGHER_BETTER = "HIGHER_BETTER"      # points × min(1, value ÷ target)
    LOWER_BETTER = "LOWER_BETTER"        # full points at or under target, else points × target ÷ value
    DEDUCT_PER_UNIT = "DEDUCT_PER_UNIT"  # minus `deduct` points for each unit over target, never below 0
    PASS_FAIL = "PASS_FAIL"              # all points when value ≥ target (or ≤ target with lower_is_better)


class NoData(enum.StrEnum):
    FULL = "FULL"          # nothing happened, nothing lost
    ZERO = "ZERO"          # no data counts as failing
    EXCLUDE = "EXCLUDE"    # not assessed; the other indicators are scaled to 100


@dataclass(frozen=True, slots=True)
class IndicatorRule:
    indicator: Indicator
    weight: float
    target: float
    rule: ScoringRule = ScoringRule.HIGHER_BETTER
    deduct: float = 0.0
    lower_is_better: bool = False
    no_data: NoData = NoData.EXCLUDE

    def as_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator.value, "weight": self.weight, "target": self.target,
                "rule": self.rule.value, "deduct": self.deduct, "lower_is_better": self.lower_is_better,
                "no_data": self.no_data.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IndicatorRule:
        return cls(indicator=Indicator(data["indicator"]), weight=float(data["weight"]),
                   target=float(data["target"]), rule=ScoringRule(data.get("rule", "HIGHER_BETTER")),
                   deduct=float(data.get("deduct", 0.0)), lower_is_better=bool(data.get("lower_is_better", False)),
                   no_data=NoData(data.get("no_data", "EXCLUDE")))


def check_scheme(rules: Sequence[IndicatorRule]) -> list[str]:
    """What is wrong with a scheme (empty: nothing): weights positive and summing to 100, one rule per indicator."""
    problems = []
    if not rules:
        problems.append("a scheme needs at least one indicator")
    seen: set[Indicator] = set()
    for rule in rules:
        if rule.indicator in seen:
            problems.append(f"{rule.indicator.value} appears twice")
        seen.add(rule.indicator)
        if not (rule.weight > 0 and math.isfinite(rule.weight)):
            problems.append(f"{rule.indicator.value}: the weight must be a positive number")
        if not math.isfinite(rule.target) or rule.target < 0:
            problems.append(f"{rule.indicator.value}: the target must be a number ≥ 0")
        if rule.rule is ScoringRule.DEDUCT_PER_UNIT and not rule.deduct > 0:
            problems.append(f"{rule.indicator.value}: DEDUCT_PER_UNIT needs the points deducted per unit")
        if rule.rule is ScoringRule.HIGHER_BETTER and rule.target == 0:
            problems.append(f"{rule.indicator.value}: HIGHER_BETTER needs a target above 0")
    total = sum(r.weight for r in rules)
    if rules and abs(total - TOTAL_POINTS) > 1e-6:
        problems.append(f"the weights add up to {total:g}, not {TOTAL_POINTS:g}")
    return problems


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    indicator: Indicator
    value: float | None
    target: float
    weight: float
    earned: float
    lost: float
    counted: bool
    note: str


@dataclass
class UnitScore:
    unit_key: str
    score: float | None
    items: list[IndicatorScore] = field(default_factory=list)
    rank: int | None = None

    def explain(self) -> list[IndicatorScore]:
        """The indicators that cost points, the costliest first."""
        return sorted((i for i in self.items if i.lost > 1e-9), key=lambda i: -i.lost)


def earned_points(rule: IndicatorRule, value: float) -> tuple[float, str]:
    """Points earned (0..weight) for a value, and why."""
    w, t = rule.weight, rule.target
    if rule.rule is ScoringRule.HIGHER_BETTER:
        share = min(1.0, max(0.0, value / t))
        return w * share, ("target met" if share >= 1 else f"{value:.4g} of the target {t:.4g} ({share:.0%})")
    if rule.rule is ScoringRule.LOWER_BETTER:
        if value <= t:
            return w, "target met"
        share = t / value if value > 0 else 0.0
        return w * share, f"{value:.4g} over the target {t:.4g}"
    if rule.rule is ScoringRule.DEDUCT_PER_UNIT:
        over = max(0.0, value - t)
        lost = min(w, over * rule.deduct)
        return w - lost, ("target met" if over == 0 else f"{over:.4g} over the target {t:.4g}, "
                                                           f"{rule.deduct:g} points each")
    met = value <= t if rule.lower_is_better else value >= t
    return (w, "target met") if met else (0.0, f"{value:.4g} misses the target {t:.4g}")


def score_unit(unit_key: str, rules: Sequence[IndicatorRule], values: Mapping[Indicator, float | None]
               ) -> UnitScore:
    """A unit's score out of 100 and its explanation; None when no indicator could be assessed."""
    raw: list[tuple[IndicatorRule, float | None, float, bool, str]] = []
    for rule in rules:
        value = values.get(rule.indicator)
        if value is None:
            if rule.no_data is NoData.EXCLUDE:
                raw.append((rule, None, 0.0, False, "no data: not assessed"))
            elif rule.no_data is NoData.FULL:
                raw.append((rule, None, rule.weight, True, "no data: full points"))
            else:
                raw.append((rule, None, 0.0, True, "no data: no points"))
        else:
            earned, note = earned_points(rule, value)
            raw.append((rule, value, earned, True, note))
    possible = sum(rule.weight for rule, _, _, counted, _ in raw if counted)
    if possible <= 0:
        return UnitScore(unit_key=unit_key, score=None, items=[
            IndicatorScore(indicator=r.indicator, value=v, target=r.target, weight=0.0, earned=0.0, lost=0.0,
                           counted=False, note=n) for r, v, _, _, n in raw])
    scale = TOTAL_POINTS / possible
    items = [IndicatorScore(indicator=r.indicator, value=v, target=r.target,
                            weight=round(r.weight * scale, 4) if counted else 0.0,
                            earned=round(e * scale, 4) if counted else 0.0,
                            lost=round((r.weight - e) * scale, 4) if counted else 0.0, counted=counted, note=n)
             for r, v, e, counted, n in raw]
    return UnitScore(unit_key=unit_key, score=round(sum(i.earned for i in items), 2), items=items)


def rank_scores(scores: Iterable[UnitScore]) -> list[UnitScore]:
    """Highest score first; equal scores share a rank (1, 2, 2, 4); units without a score come last, unranked."""
    scored = sorted((s for s in scores if s.score is not None), key=lambda s: (-(s.score or 0), s.unit_key))
    previous: float | None = None
    for position, unit in enumerate(scored, start=1):
        unit.rank = position if unit.score != previous else scored[position - 2].rank
        previous = unit.score
    unscored = sorted((s for s in scores if s.score is None), key=lambda s: s.unit_key)
    return [*scored, *unscored]


DEFAULT_SCHEME: tuple[IndicatorRule, ...] = (
    IndicatorRule(Indicator.CLOSE_OUT_RATE, 20, 0.95, no_data=NoData.FULL),
    IndicatorRule(Indicator.ON_TIME_RATE, 20, 0.95, no_data=NoData.FULL),
    IndicatorRule(Indicator.OVERDUE, 15, 0, ScoringRule.DEDUCT_PER_UNIT, deduct=3),
    IndicatorRule(Indicator.WARNING_ACCURACY, 5, 0.8),
    IndicatorRule(Indicator.SENSOR_ONLINE_RATE, 10, 0.98),
    IndicatorRule(Indicator.MAINTENANCE_COMPLIANCE, 10, 1.0),
    IndicatorRule(Indicator.COURSE_COMPLETION, 10, 1.0),
    IndicatorRule(Indicator.EXAM_PASS_RATE, 5, 0.9),
    IndicatorRule(Indicator.EXAM_MEAN_SCORE, 5, 85),
)
"""A starting scheme (the demo mine's): loop discipline first, then monitoring, devices and training."""
