"""The shared vocabulary: topics round-trip through their parser, defaults fall back by kind, codes parse back."""

from __future__ import annotations

import pytest

from contracts import topics
from contracts.failures import VisionFailure, failure_code, failure_text
from contracts.roles import Role
from contracts.sensors import DEFAULT_THRESHOLDS, PHYSICAL_RANGE, THRESHOLD_FIELDS, UNITS, LocationType, SensorKind
from contracts.sensors import default_thresholds as default_limits


@pytest.mark.parametrize(("topic", "family", "ident", "kind"), [
    (topics.reading_topic("m1", "CH4-01"), "sensors", "CH4-01", "reading"),
    (topics.batch_topic("m1", "ss1"), "substations", "ss1", "batch"),
    (topics.sighting_topic("m1", "R-1"), "position", "R-1", "sighting"),
    (topics.drill_batch_topic("m1", "d7"), "drills", "d7", "batch"),
    (topics.drill_sighting_topic("m1", "d7"), "drills", "d7", "sighting"),
])
def test_every_data_topic_parses_back_into_its_parts(topic: str, family: str, ident: str, kind: str) -> None:
    parts = topics.parse_topic(topic)
    assert parts == topics.TopicParts(mine="m1", family=family, ident=ident, kind=kind)
    assert parts.is_drill is (family == "drills")


@pytest.mark.parametrize("topic", ["minesafe/m1/sensors/x", "other/m1/sensors/x/reading", "minesafe//sensors/x/reading",
                                   "minesafe/m1/drills/d7/control/wf1"])
def test_anything_else_is_not_a_data_topic(topic: str) -> None:
    assert topics.parse_topic(topic) is None


def test_a_drill_never_shares_a_real_zone_s_control_topic() -> None:
    real, drill = topics.control_topic("m1", "wf1"), topics.drill_control_topic("m1", "d7", "wf1")
    assert not drill.startswith("minesafe/m1/control/") and real == "minesafe/m1/control/wf1"
    assert topics.subscriptions("m1") == ["minesafe/m1/sensors/+/reading", "minesafe/m1/substations/+/batch",
                                          "minesafe/m1/position/+/sighting", "minesafe/m1/drills/+/batch",
                                          "minesafe/m1/drills/+/sighting"]


def test_defaults_cover_every_kind_and_fall_back_to_the_kind_s_own() -> None:
    assert set(UNITS) == set(PHYSICAL_RANGE) == set(SensorKind) == {kind for kind, _ in DEFAULT_THRESHOLDS}
    assert all(set(limits) <= set(THRESHOLD_FIELDS) for limits in DEFAULT_THRESHOLDS.values())
    assert default_limits(SensorKind.CH4, LocationType.INTAKE_HIGH_GAS) == {"alarm": 0.5, "power_cut": 0.5,
                                                                           "restore": 0.5}
    assert default_limits(SensorKind.CH4, LocationType.CHAMBER) == DEFAULT_THRESHOLDS[(SensorKind.CH4, None)]


def test_failure_reasons_carry_their_code_first() -> None:
    reason = failure_text(VisionFailure.BAD_ZONE, "point 3 lies outside the frame")
    assert reason == "BAD_ZONE: point 3 lies outside the frame"
    assert failure_code(reason) is VisionFailure.BAD_ZONE
    assert failure_code("something broke: badly") is None and failure_code(None) is None


def test_a_role_parses_in_either_spelling() -> None:
    assert Role.parse("SAFETY_OFFICER") is Role.SAFETY_OFFICER is Role.parse("safety_officer")
    assert Role.parse("janitor") is None
