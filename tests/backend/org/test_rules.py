"""Pure organisation and responsibility rules: the unit tree, settings validation, version diffs."""

from __future__ import annotations

import uuid

import pytest

from backend.org import rules, settings
from backend.responsibility import rules as responsibility_rules


def _tree() -> tuple[dict[uuid.UUID, uuid.UUID | None], list[uuid.UUID]]:
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    return {a: None, b: a, c: b, d: None}, [a, b, c, d]


def test_ancestors_nearest_first_and_a_corrupt_cycle_ends() -> None:
    parents, (a, b, c, _) = _tree()
    assert rules.ancestors(parents, c) == [b, a]
    looped = {a: c, b: a, c: b}
    assert set(rules.ancestors(looped, a)) == {b, c}


def test_moves_that_would_make_a_cycle_are_refused() -> None:
    parents, (a, b, c, d) = _tree()
    with pytest.raises(rules.TreeError, match="own parent"):
        rules.check_move(parents, a, a)
    with pytest.raises(rules.TreeError, match="descendants"):
        rules.check_move(parents, a, c)
    with pytest.raises(rules.TreeError):
        rules.check_move(parents, b, c)
    rules.check_move(parents, c, d)
    rules.check_move(parents, c, None)


def test_within_a_district() -> None:
    parents, (a, _b, c, d) = _tree()
    assert rules.within(parents, c, a) and rules.within(parents, a, a)
    assert not rules.within(parents, d, a) and not rules.within(parents, None, a)


def test_settings_defaults_and_checked_changes() -> None:
    base = settings.effective(None)
    assert base.hazard_deadline_hours["A"] == 168 and base.exam_pass_mark == 80
    new = settings.check_changes({"vision": {"x": 1}}, hazard_deadline_hours={"A": 120}, exam_pass_mark=85,
                                 alert_escalation_minutes={"ALARM": [3, 10]}, roof={"separation_red_mm": 30})
    assert new["vision"] == {"x": 1}  # other domains' keys survive
    data = settings.effective(new)
    assert data.hazard_deadline_hours["A"] == 120 and data.alert_escalation_minutes["ALARM"] == [3, 10]
    assert data.roof["separation_red_mm"] == 30 and data.exam_pass_mark == 85


@pytest.mark.parametrize(("changes", "field"), [
    ({"hazard_deadline_hours": {"Z": 3}}, "hazardDeadlineHours"),
    ({"hazard_deadline_hours": {"A": 0}}, "hazardDeadlineHours.A"),
    ({"hazard_deadline_hours": {"C": 500}}, "hazardDeadlineHours"),  # C longer than B
    ({"alert_escalation_minutes": {"ALARM": [10, 3]}}, "alertEscalationMinutes.ALARM"),
    ({"alert_escalation_minutes": {"ALARM": [1, 2, 3]}}, "alertEscalationMinutes.ALARM"),
    ({"alert_escalation_minutes": {"ALARM": [float("nan")]}}, "alertEscalationMinutes.ALARM"),
    ({"alert_escalation_minutes": {"LOUD": [1]}}, "alertEscalationMinutes"),
    ({"roof": {"separation_yellow_mm": 40}}, "roof"),
    ({"roof": {"support_pressure_percent": 150}}, "roof.support_pressure_percent"),
    ({"exam_pass_mark": 101}, "examPassMark"),
    ({"exam_pass_mark": True}, "examPassMark"),
])
def test_bad_settings_name_their_field(changes: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(settings.SettingsError) as refused:
        settings.check_changes({}, **changes)
    assert refused.value.field == field


def test_version_diff_and_what_a_list_answers_for() -> None:
    area, other = str(uuid.uuid4()), str(uuid.uuid4())
    v1 = responsibility_rules.ListContent(duties="巡检", hazard_levels=frozenset({"C"}), areas=frozenset({area}))
    v2 = responsibility_rules.ListContent(duties="巡检 + 瓦斯", hazard_levels=frozenset({"B", "C"}),
                                          areas=frozenset({other}), risk_points=frozenset({"RP-1"}))
    diff = responsibility_rules.diff(v1, v2)
    assert diff.duties_changed and diff.added == {"areas": [other], "devices": [], "risk_points": ["RP-1"],
                                                  "hazard_levels": ["B"]}
    assert diff.removed["areas"] == [area] and not responsibility_rules.diff(v1, v1).duties_changed
    assert responsibility_rules.answers_for(v1, area, "C") and not responsibility_rules.answers_for(v1, area, "A")
    assert responsibility_rules.answers_for(v1, area, None) and not responsibility_rules.answers_for(v1, other, "C")
    assert responsibility_rules.hazard_level_key("MAJOR", None) == "MAJOR"
