"""The drill worker's simulation against hand-computed cases: advection with dilution, the air redistributed when a
roadway blocks, evacuation routes; the worker's model read from the document the backend checked (pure: no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.drills.network import load_network
from drills.model import MineNetwork, network_from_document
from drills.simulation import (
    GasSource,
    Walker,
    air_flows,
    evacuation_routes,
    plan_evacuation,
    reading,
    simulate_gas,
)

EXAMPLES = Path(__file__).parents[2] / "backend" / "drills" / "examples"


def worker(text: str) -> MineNetwork:
    """The worker's model of a document the backend checked (what ``Drill.network`` carries)."""
    return network_from_document(load_network(text).document.model_dump(mode="json", by_alias=True))


def _net(roads: str, areas: str = "A, B, C", safe: str = "A") -> str:
    area_lines = "\n".join(f"  - {{id: {a}, safe: {str(a == safe).lower()}}}" for a in areas.split(", "))
    return f"areas:\n{area_lines}\nroadways:\n{roads}\n"


CHAIN = _net("  - {from: A, to: B, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}\n"
             "  - {from: B, to: C, length_m: 60, cross_section_m2: 5, air_speed_m_s: 2}")


def test_advection_along_a_chain_is_delayed_by_length_over_speed() -> None:
    network = worker(CHAIN)
    # 0.1 m³/s of methane into 10 m³/s of air at A from t=0: 0.1 / 10.1 everywhere downstream once the air arrives
    field = simulate_gas(network, [GasSource("CH4", "A", 0, 0.1)], duration_s=200)
    expected = 0.1 / 10.1
    assert field.at("CH4", "A", 0) == pytest.approx(expected)
    assert field.at("CH4", "B", 49) == 0.0 and field.at("CH4", "B", 50) == pytest.approx(expected)  # 100 m / 2 m/s
    assert field.at("CH4", "C", 79) == 0.0 and field.at("CH4", "C", 80) == pytest.approx(expected)  # + 60 / 2
    assert reading("CH4", field.at("CH4", "C", 100), 0.1) == pytest.approx(0.1 + 100 * expected)


def test_a_junction_is_the_flow_weighted_mix_of_its_inflows() -> None:
    text = _net("  - {from: A, to: J, length_m: 10, cross_section_m2: 5, air_speed_m_s: 2}\n"      # 10 m³/s, 5 s
                "  - {from: B, to: J, length_m: 30, cross_section_m2: 10, air_speed_m_s: 3}\n"     # 30 m³/s, 10 s
                "  - {from: J, to: C, length_m: 40, cross_section_m2: 10, air_speed_m_s: 4}",      # 40 m³/s
                areas="A, B, J, C")
    network = worker(text)
    field = simulate_gas(network, [GasSource("CH4", "A", 0, 0.1), GasSource("CH4", "B", 0, 0.3)], duration_s=60)
    c_a, c_b = 0.1 / 10.1, 0.3 / 30.3
    assert field.at("CH4", "J", 4) == 0.0
    assert field.at("CH4", "J", 7) == pytest.approx(10 * c_a / 40)              # A's air arrived, B's not yet
    assert field.at("CH4", "J", 12) == pytest.approx((10 * c_a + 30 * c_b) / 40)  # both
    assert field.at("CH4", "C", 21) == pytest.approx((10 * c_a + 30 * c_b) / 40)  # + 10 s along J→C


def test_a_ramp_and_a_delay_between_steps_interpolate() -> None:
    network = worker(_net("  - {from: A, to: B, length_m: 5, cross_section_m2: 1, air_speed_m_s: 2}\n"
                                "  - {from: B, to: C, length_m: 5, cross_section_m2: 1, air_speed_m_s: 2}"))
    source = GasSource("CO", "A", 10, 0.002, ramp_s=20, end_s=40)
    field = simulate_gas(network, [source], duration_s=60)
    assert field.at("CO", "A", 20) == pytest.approx(0.001 / 2.001)          # half way up the ramp
    # 2.5 s later (not a whole step): linear between steps, so within 1e-4 of the exact value
    assert field.at("CO", "B", 22.5) == pytest.approx(0.001 / 2.001, rel=1e-4)
    assert field.at("CO", "A", 45) == 0.0 and field.at("CO", "C", 44) > 0     # ended; C still sees the tail


def test_evacuation_avoids_contaminated_and_blocked_roadways() -> None:
    network = worker((EXAMPLES / "demo_mine.yaml").read_text())
    clean = evacuation_routes(network, {"HEAD1"})["HEAD1"]
    assert clean is not None and clean.path == ("HEAD1", "INT1", "REFUGE") and not clean.exposed
    around = evacuation_routes(network, {"HEAD1"}, contaminated={"INT1"})["HEAD1"]
    assert around is not None and around.path == ("HEAD1", "J1", "REFUGE") and not around.exposed
    trapped = evacuation_routes(network, {"WF1"}, contaminated={"WF1"},
                                blocked={("INT1", "WF1")})["WF1"]
    assert trapped is not None and trapped.exposed and trapped.path[0] == "WF1"
    assert evacuation_routes(network, {"WF1"}, blocked={("INT1", "WF1"), ("WF1", "WF1-RET")})["WF1"] is None
    [plan] = plan_evacuation(network, [Walker("p1", "HEAD1", speed_m_s=2, reaction_s=10)], ordered_at_s=100)
    assert plan.arrive_s == pytest.approx(110 + 400 / 2)
    assert plan.area_at(100) == "HEAD1" and plan.area_at(110 + 200) == "REFUGE"
    assert [area for _, area in plan.passages()] == ["HEAD1", "INT1", "REFUGE"]




# A splits at B over two ways to the return E: B→C (2 m² × 3 m/s = 6 m³/s) and B→D (2 m² × 2 m/s = 4 m³/s)
SPLIT = _net("  - {from: A, to: B, length_m: 100, cross_section_m2: 5, air_speed_m_s: 2}\n"      # 10 m³/s, 50 s
             "  - {from: B, to: C, length_m: 60, cross_section_m2: 2, air_speed_m_s: 3}\n"       # 6 m³/s, 20 s
             "  - {from: B, to: D, length_m: 40, cross_section_m2: 2, air_speed_m_s: 2}\n"       # 4 m³/s, 20 s
             "  - {from: C, to: E, length_m: 30, cross_section_m2: 2, air_speed_m_s: 3}\n"       # 6 m³/s, 10 s
             "  - {from: D, to: E, length_m: 20, cross_section_m2: 2, air_speed_m_s: 2}",        # 4 m³/s, 10 s
             areas="A, B, C, D, E")


def test_a_blocked_roadway_sends_its_air_to_the_other_ways_out() -> None:
    network = worker(SPLIT)
    assert air_flows(network) == {("A", "B"): 10, ("B", "C"): 6, ("B", "D"): 4, ("C", "E"): 6, ("D", "E"): 4}
    # B→D blocked: all 10 m³/s of B go by C (the fan keeps the quantity)
    assert air_flows(network, {("B", "D")}) == {("A", "B"): 10, ("B", "C"): 10, ("B", "D"): 0, ("C", "E"): 10,
                                                ("D", "E"): 0}
    # C→E blocked (named against the air): C is a dead end, so B→C takes no air either and D takes it all
    assert air_flows(network, {("E", "C")}) == {("A", "B"): 10, ("B", "C"): 0, ("B", "D"): 10, ("C", "E"): 0,
                                                ("D", "E"): 10}


def test_gas_follows_the_redistributed_air_faster_and_stronger() -> None:
    network = worker(SPLIT)
    source = [GasSource("CH4", "B", 0, 0.1)]  # into B's 10 m³/s
    c_b = 0.1 / 10.1
    normal = simulate_gas(network, source, duration_s=200)
    # normally C gets B's air 20 s later, and E the mix of C's 6 and D's 4 m³/s: B's concentration 30 s later
    assert normal.at("CH4", "C", 19) == 0.0 and normal.at("CH4", "C", 21) == pytest.approx(c_b)
    assert normal.at("CH4", "E", 31) == pytest.approx(c_b)
    blocked = simulate_gas(network, source, duration_s=200, blockages=[(0.0, ("B", "D"))])
    # B→C now carries 10 m³/s at 5 m/s: its 60 m take 12 s, C→E 30 m at 5 m/s 6 s; D has no air and no gas
    assert blocked.at("CH4", "C", 11) == 0.0 and blocked.at("CH4", "C", 12) == pytest.approx(c_b)
    assert blocked.at("CH4", "E", 17) == 0.0 and blocked.at("CH4", "E", 18) == pytest.approx(c_b)
    assert blocked.at("CH4", "D", 100) == 0.0
    late = simulate_gas(network, source, duration_s=200, blockages=[(100.0, ("B", "D"))])
    assert late.at("CH4", "D", 99) == pytest.approx(c_b) and late.at("CH4", "C", 99) == pytest.approx(c_b)
    assert late.at("CH4", "D", 101) == pytest.approx(c_b)  # no air moves through D any more: it keeps its air


def test_a_face_cut_off_from_its_air_fills_with_its_own_gas() -> None:
    network = worker(CHAIN)  # A → B → C, 10 m³/s; B holds 100·5/2 + 60·5/2 = 400 m³
    source = [GasSource("CH4", "B", 0, 0.1)]
    field = simulate_gas(network, source, duration_s=100, blockages=[(50.0, ("B", "C"))])
    assert field.at("CH4", "B", 49) == pytest.approx(0.1 / 10.1)
    # the air last moved at 49 s; since then 0.1 m³/s of methane goes into 400 m³ and stays
    assert field.at("CH4", "B", 50) == pytest.approx(0.1 / 10.1 + 0.1 / 400)
    assert field.at("CH4", "B", 90) == pytest.approx(0.1 / 10.1 + 41 * 0.1 / 400)
    # C gets no air from B any more (and A → B leads into a dead end): C keeps the air it had, nothing more
    assert field.at("CH4", "C", 95) == pytest.approx(field.at("CH4", "C", 49)) == pytest.approx(0.1 / 10.1)


def test_the_worker_plays_the_checked_scenario_and_sights_people_where_readers_are() -> None:
    from backend.drills.scenario import load_scenario
    from drills.model import scenario_from_document
    from drills.runner import timeline

    checked = load_network((EXAMPLES / "demo_mine.yaml").read_text())
    network = network_from_document(checked.document.model_dump(mode="json", by_alias=True))
    scenario_document = load_scenario((EXAMPLES / "face_methane.yaml").read_text(), checked).as_document()
    scenario = scenario_from_document(scenario_document)
    assert scenario.blockages() == [(100.0, ("WF1", "WF1-RET"))]
    played = timeline(network, scenario)
    initial = played.initial_sightings()
    assert len(initial) == 19 and {(tag.rsplit("-", 1)[0], reader) for _, tag, reader in initial} == {
        ("WF1", "R-WF1"), ("WF1-RET", "R-WF1-RET"), ("HEAD1", "R-HEAD1")}
    # the fall at 100 s cuts the face off from its air (its only way out): its methane keeps rising, and the return
    # (150 m at 2 m/s: the gas of 30 s would reach it at 105 s) never sees it; without the fall it would
    face = {t: dict(played.sensor_values(t))["WF1-CH4-01"] for t in (99, 200)}
    assert face[200] > face[99] > 0.12
    assert dict(played.sensor_values(300))["WF1-CH4-02"] == 0.1
    unblocked = timeline(network, scenario_from_document({**scenario_document, "events": [
        e for e in scenario_document["events"] if e["kind"] != "ROADWAY_BLOCKED"]}))
    assert dict(unblocked.sensor_values(300))["WF1-CH4-02"] > 0.5
    plans = played.evacuation(150.0)
    route = played.route_sightings(plans)
    assert route == sorted(route) and {reader for _, _, reader in route} <= set(network.readers)
    last = {tag: reader for _, tag, reader in route}
    assert {last[p.walker.person] for p in plans if p.walker.area == "WF1"} <= {"R-REFUGE", "R-SHAFT"}
