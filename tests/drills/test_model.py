"""The backend's mine model and scenarios: schema and cross-check errors with field and line (pure: no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.drills.documents import DocumentError
from backend.drills.network import affected_areas, downstream_areas, load_network
from backend.drills.scenario import load_scenario

EXAMPLES = Path(__file__).parents[2] / "backend" / "drills" / "examples"


def _net(roads: str, areas: str = "A, B, C", safe: str = "A") -> str:
    area_lines = "\n".join(f"  - {{id: {a}, safe: {str(a == safe).lower()}}}" for a in areas.split(", "))
    return f"areas:\n{area_lines}\nroadways:\n{roads}\n"


def test_demo_model_loads_and_names_downstream_areas_nearest_first() -> None:
    network = load_network((EXAMPLES / "demo_mine.yaml").read_text())
    assert downstream_areas(network, "WF1") == ["WF1-RET", "J1", "RET", "UPCAST"]
    assert affected_areas(network, "HEAD1") == ["HEAD1", "J1", "RET", "UPCAST"]
    assert downstream_areas(network, "UPCAST") == []
    with pytest.raises(KeyError):
        downstream_areas(network, "NOPE")


def test_model_errors_name_field_and_line() -> None:
    text = _net("  - {from: A, to: X, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}\n"
                "  - {from: B, to: C, length_m: -3, cross_section_m2: 5, air_speed_m_s: 2}")
    with pytest.raises(DocumentError) as caught:
        load_network(text)
    [negative] = caught.value.problems
    assert negative.field == "roadways[1].length_m" and negative.line == 7
    assert "greater than 0" in negative.message
    text = _net("  - {from: A, to: X, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}")
    with pytest.raises(DocumentError) as caught:
        load_network(text)
    [unknown] = caught.value.problems
    assert (unknown.field, unknown.line) == ("roadways[0].to", 6) and "unknown area 'X'" in unknown.message


def test_disconnected_air_paths_and_recirculation_are_named() -> None:
    text = _net("  - {from: A, to: B, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}", areas="A, B, C")
    with pytest.raises(DocumentError) as caught:
        load_network(text)
    assert [(p.field, p.line) for p in caught.value.problems] == [("areas[2].id", 4)]
    assert "'C' is on no air path" in str(caught.value)
    loop = _net("  - {from: A, to: B, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}\n"
                "  - {from: B, to: C, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}\n"
                "  - {from: C, to: D, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}\n"
                "  - {from: D, to: B, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}", areas="A, B, C, D")
    with pytest.raises(DocumentError, match="recirculat"):
        load_network(loop)
    with pytest.raises(DocumentError, match="no area is marked safe"):
        load_network(_net("  - {from: A, to: B, length_m: 1, cross_section_m2: 5, air_speed_m_s: 2}", "A, B", "Z"))
    with pytest.raises(DocumentError, match=r"line 2: \(document\): not valid YAML"):
        load_network("areas: [\n")


def test_scenario_example_loads_and_errors_name_field_and_line() -> None:
    network = load_network((EXAMPLES / "demo_mine.yaml").read_text())
    scenario = load_scenario((EXAMPLES / "face_methane.yaml").read_text(), network)
    assert [e.kind for e in scenario.events][:2] == ["METHANE_RISE", "ROOF_SEPARATION"]
    evacuate = next(r for r in scenario.responses if r.kind == "EVACUATE")
    assert scenario.evacuation_areas(evacuate, network) == ["WF1", "WF1-RET", "J1", "RET", "UPCAST"]
    bad = ("name: x\nduration_s: 100\nevents:\n"
           "  - {id: a, at_s: 1, kind: METHANE_RISE, area: WF9, rate_m3_s: 0.1}\n"
           "  - {id: b, at_s: 2, kind: PERSON_DOWN, camera: CAM-NOPE}\n"
           "responses:\n  - {kind: ALARM, after: zz, within_s: 10}\n")
    with pytest.raises(DocumentError) as caught:
        load_scenario(bad, network)
    assert [(p.field, p.line) for p in caught.value.problems] == [
        ("events[0].area", 4), ("events[1].camera", 5), ("responses[0].after", 7)]
    schema = "name: x\nduration_s: 100\nevents:\n  - {id: a, at_s: 1, kind: FLOOD, area: WF1}\n"
    with pytest.raises(DocumentError) as caught:
        load_scenario(schema, network)
    assert caught.value.problems[0].line == 4 and "FLOOD" in caught.value.problems[0].message
    typo = "name: x\nduration_s: 100\nevents:\n  - id: a\n    at_s: -1\n    kind: PERSON_DOWN\n    camera: CAM-WF1\n"
    with pytest.raises(DocumentError) as caught:
        load_scenario(typo, network)
    assert [(p.field, p.line) for p in caught.value.problems] == [("events[0].at_s", 5)]


def test_the_drill_people_need_readers_and_the_worker_gets_the_checked_document() -> None:
    network = load_network((EXAMPLES / "demo_mine.yaml").read_text())
    unlocated = ("name: x\nduration_s: 100\npeople:\n  - {area: J1, count: 2}\nevents:\n"
                 "  - {id: a, at_s: 1, kind: METHANE_RISE, area: WF1, rate_m3_s: 0.1}\n")
    with pytest.raises(DocumentError) as caught:
        load_scenario(unlocated, network)
    [problem] = caught.value.problems
    assert (problem.field, problem.line) == ("people[0].area", 4) and "no positioning reader in 'J1'" in problem.message
    blind = load_network((EXAMPLES / "demo_mine.yaml").read_text().replace("  - {id: R-SHAFT, area: SHAFT}\n", "")
                         .replace("  - {id: R-REFUGE, area: REFUGE}\n", ""))
    with pytest.raises(DocumentError, match="no safe area of the mine model has a positioning reader"):
        load_scenario((EXAMPLES / "face_methane.yaml").read_text(), blind)
    scenario = load_scenario((EXAMPLES / "face_methane.yaml").read_text(), network)
    document = scenario.as_document()
    assert [(g["area"], g["tags"][:2], g["speed_m_s"]) for g in document["people"]] == [
        ("WF1", ["WF1-1", "WF1-2"], 1.2), ("WF1-RET", ["WF1-RET-1", "WF1-RET-2"], 1.2),
        ("HEAD1", ["HEAD1-1", "HEAD1-2"], 1.2)]
    assert sum(len(g["tags"]) for g in document["people"]) == 19 == len(scenario.people_tags())
    fall = next(e for e in document["events"] if e["kind"] == "ROADWAY_BLOCKED")
    assert (fall["from"], fall["to"]) == ("WF1", "WF1-RET")
