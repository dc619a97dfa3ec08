"""Benchmark of issue 16: a drill of 200 sensors and 300 people for a simulated hour — simulated seconds per
wall-clock second, for the pure simulation and for the drill's readings through the real bridge.

    /work/wt/wpy bench/drill_sim.py [--sensors 200] [--people 300] [--seconds 3600] [--bridge-seconds 3600]

Set-up (not timed): a synthetic mine — intake shaft, main intake, ``--districts`` districts of two faces each with
their gates and returns, a main return and the upcast (about 10 areas a district) — with ``--sensors`` gas sensors
(CH4 and CO) spread over the areas, ``--people`` people at the faces and gates, methane rising at three faces,
a fire giving off CO in one gate and a blocked roadway.

* pure simulation (minesafe): ``simulate_gas`` (areas in topological order, one vector operation each), then each
  second every sensor's reading (``DrillTimeline.sensor_values``) and, once evacuation is ordered at 600 s,
  every walker's area (``WalkPlan.area_at``; the whole mine withdraws, routes from one multi-source Dijkstra
  avoiding the contaminated roadways and the blocked one);
* baseline: the same model stepped the obvious way — each second, each area in order, each inflow's delayed value
  interpolated from the upstream area's history (Python lists) — with the same sampling and the same walkers; the
  two fields must agree to 1e-12.
* through the bridge: the drill's readings, one batch of every sensor each 2 simulated seconds (the sensors'
  polling), published on the drill topic to the embedded amqtt broker and judged by the real ``SensorBridge``
  (drill states, drill control topics; outbox on disk, no backend), as fast as the bridge takes them; against the
  same batches on the production substation topic (the real path doing the same work).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from backend.drills.network import NetworkDocument, build  # noqa: E402
from backend.drills.scenario import Scenario as CheckedScenario  # noqa: E402
from drills.model import MineNetwork, Scenario, network_from_document, scenario_from_document  # noqa: E402
from drills.runner import DrillTimeline  # noqa: E402
from drills.simulation import GasField, _volume, air_flows, plan_evacuation, simulate_gas  # noqa: E402


def synthetic_mine(districts: int, sensors: int, seed: int = 7) -> NetworkDocument:
    rng = random.Random(seed)
    areas = [{"id": "SHAFT", "kind": "SHAFT", "safe": True}, {"id": "MAIN-IN", "kind": "ROADWAY"},
             {"id": "MAIN-RET", "kind": "ROADWAY"}, {"id": "UPCAST", "kind": "SHAFT"}]
    roads = [("SHAFT", "MAIN-IN", 600, 20, 5), ("MAIN-RET", "UPCAST", 200, 20, 5)]
    for d in range(districts):
        p = f"D{d}"
        areas += [{"id": f"{p}-IN", "kind": "ROADWAY"}, {"id": f"{p}-RET", "kind": "ROADWAY"},
                  {"id": f"{p}-REFUGE", "kind": "REFUGE", "safe": True}]
        roads += [("MAIN-IN", f"{p}-IN", rng.randint(300, 900), 14, 3), (f"{p}-RET", "MAIN-RET", 400, 14, 3),
                  (f"{p}-IN", f"{p}-REFUGE", 80, 6, 0.5), (f"{p}-REFUGE", f"{p}-RET", 120, 6, 0.5)]
        for f in range(2):
            face = f"{p}-WF{f}"
            areas += [{"id": f"{face}-IG", "kind": "ROADWAY"}, {"id": face, "kind": "WORKING_FACE"},
                      {"id": f"{face}-RG", "kind": "ROADWAY"}]
            roads += [(f"{p}-IN", f"{face}-IG", rng.randint(500, 1500), 12, 2.5), (f"{face}-IG", face, 200, 10, 2),
                      (face, f"{face}-RG", 200, 10, 2), (f"{face}-RG", f"{p}-RET", rng.randint(500, 1500), 12, 2.5)]
    ids = [a["id"] for a in areas]
    placed = [{"id": f"S{i:03d}-{'CO' if i % 4 == 3 else 'CH4'}", "kind": "CO" if i % 4 == 3 else "CH4",
               "area": ids[i % len(ids)], "baseline": 0.05 if i % 4 != 3 else 1.0} for i in range(sensors)]
    return NetworkDocument.model_validate({
        "areas": areas, "sensors": placed, "readers": [{"id": f"R-{area}", "area": area} for area in ids],
        "roadways": [{"from": a, "to": b, "length_m": length, "cross_section_m2": s, "air_speed_m_s": v}
                     for a, b, length, s, v in roads]})


def scenario_for(doc: NetworkDocument, people: int, seconds: float) -> CheckedScenario:
    faces = [a.id for a in doc.areas if a.kind == "WORKING_FACE"]
    gates = [a.id for a in doc.areas if a.id.endswith("-IG")]
    per = max(1, people // (len(faces) + len(gates)))
    groups = [{"area": a, "count": per, "speed_m_s": 1.2, "reaction_s": 30} for a in faces + gates]
    groups[0]["count"] += people - per * len(groups)
    return CheckedScenario.model_validate({
        "name": "bench", "duration_s": seconds, "people": groups,
        "events": [{"id": f"gas{i}", "at_s": 60 * (i + 1), "kind": "METHANE_RISE", "area": faces[i],
                    "rate_m3_s": 0.3, "ramp_s": 300} for i in range(3)]
        + [{"id": "fire", "at_s": 300, "kind": "CO_FIRE", "area": gates[1], "rate_m3_s": 0.002, "ramp_s": 120},
           {"id": "fall", "at_s": 400, "kind": "ROADWAY_BLOCKED", "from": gates[0], "to": faces[0]}],
        "responses": []})


def baseline_gas(network: MineNetwork, scenario: Scenario, seconds: float) -> dict[str, list[list[float]]]:
    """The obvious stepper: per second, per area in order, per inflow: the upstream history interpolated (the
    flows of each blockage regime from ``air_flows``; an area no air passes through fills with its gas)."""
    graph = network.graph
    order = list(nx.topological_sort(graph))
    steps = int(seconds) + 1
    regimes = [(0.0, air_flows(network))]
    for at_s, _ in scenario.blockages():
        regimes.append((at_s, air_flows(network, scenario.blocked_at(at_s))))
    volumes = {area: _volume(network, area) for area in order}
    out: dict[str, list[list[float]]] = {}
    for gas in sorted({s.gas for s in scenario.gas_sources()}):
        sources = [s for s in scenario.gas_sources() if s.gas == gas]
        history = {area: [0.0] * steps for area in order}
        for k in range(steps):
            t = float(k)
            flows = next(f for at_s, f in reversed(regimes) if t >= at_s)
            for area in order:
                carried = 0.0
                ins = [(u, flows[(u, area)]) for u in graph.predecessors(area)]
                through = (sum(f for _, f in ins) if ins
                           else sum(flows[(area, v)] for v in graph.successors(area)))
                for upstream, flow in ins:
                    if flow <= 0:
                        continue
                    edge = graph.edges[upstream, area]
                    at = t - edge["length_m"] * edge["cross_section_m2"] / flow
                    if at >= 0:
                        lo = math.floor(at)
                        hi = min(lo + 1, steps - 1)
                        frac = at - lo
                        series = history[upstream]
                        carried += flow * (series[lo] * (1 - frac) + series[hi] * frac)
                emitted = 0.0
                for s in sources:
                    if s.area == area and t >= s.start_s and (s.end_s is None or t < s.end_s):
                        emitted += s.rate_m3_s * (min(1.0, (t - s.start_s) / s.ramp_s) if s.ramp_s else 1.0)
                if through <= 0:
                    held = history[area][k - 1] if k else 0.0
                    history[area][k] = min(1.0, held + emitted / volumes[area])
                    continue
                total = through + emitted
                history[area][k] = (carried + emitted) / total
        out[gas] = [history[a] for a in order]
    return out


def sample(tl: DrillTimeline, seconds: float, evacuate_at: float) -> tuple[int, int]:
    readings = moves = 0
    plans = []
    for k in range(int(seconds) + 1):
        t = float(k)
        readings += len(tl.sensor_values(t))
        if t == evacuate_at:  # the whole mine withdraws (全矿井撤人): every walker's route
            plans = plan_evacuation(tl.network, tl.walkers(), ordered_at_s=t, contaminated=tl.field.contaminated(t),
                                    blocked=tl.scenario.blocked_at(t))
        for plan in plans:
            plan.area_at(t)
            moves += 1
    return readings, moves


def pure(args: argparse.Namespace) -> None:
    doc = synthetic_mine(args.districts, args.sensors)
    # the backend checks the model and the scenario; the worker plays the checked documents
    network = network_from_document(build(doc).document.model_dump(mode="json", by_alias=True))
    scenario = scenario_from_document(scenario_for(doc, args.people, args.seconds).as_document())
    print(f"mine: {network.graph.number_of_nodes()} areas, {network.graph.number_of_edges()} roadways, "
          f"{len(doc.sensors)} sensors, {sum(len(g.tags) for g in scenario.people)} people, "
          f"{args.seconds:.0f} s simulated")

    start = time.perf_counter()
    field: GasField = simulate_gas(network, scenario.gas_sources(), duration_s=args.seconds,
                                   blockages=scenario.blockages())
    gas_s = time.perf_counter() - start
    tl = DrillTimeline(network=network, scenario=scenario, field=field)
    readings, moves = sample(tl, args.seconds, 600.0)
    ours = time.perf_counter() - start

    start = time.perf_counter()
    base = baseline_gas(network, scenario, args.seconds)
    base_gas_s = time.perf_counter() - start
    base_field = GasField(times=field.times, areas=field.areas, index=field.index,
                          values={g: np.array(v) for g, v in base.items()})
    sample(DrillTimeline(network=network, scenario=scenario, field=base_field), args.seconds, 600.0)
    theirs = time.perf_counter() - start
    worst = max(float(np.max(np.abs(field.values[g] - base_field.values[g]))) for g in field.values)
    assert worst < 1e-12, worst
    evacuated = plan_evacuation(network, tl.walkers(), ordered_at_s=600.0, contaminated=field.contaminated(600.0),
                                blocked=scenario.blocked_at(600.0))
    arrived = [p.arrive_s for p in evacuated if p.arrive_s is not None]
    print(f"  {readings} readings sampled, {moves} walker positions; {len(evacuated)} people evacuate, the last safe "
          f"at {max(arrived):.0f} s; fields agree to {worst:.1e}")
    print(f"  pure simulation (minesafe): gas {gas_s:.2f} s, all {ours:.2f} s wall -> "
          f"{args.seconds / ours:,.0f} simulated s per s")
    print(f"  baseline (stepwise lists):  gas {base_gas_s:.2f} s, all {theirs:.2f} s wall -> "
          f"{args.seconds / theirs:,.0f} simulated s per s   ({theirs / ours:.1f}x slower)")
    if args.bridge_seconds:
        bridge(args, network, tl)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bridge(args: argparse.Namespace, network: MineNetwork, tl: DrillTimeline) -> None:
    import paho.mqtt.client as mqtt

    from contracts.sensors import PHYSICAL_RANGE, LocationType, SensorKind
    from sensors.api import BridgeConfig
    from sensors.bridge import BridgeOptions, SensorBridge
    from sensors.broker import EmbeddedBroker
    from sensors.buffer import BridgeStore
    from sensors.rules import SensorConfig, default_thresholds

    configs = []
    for s in network.sensors:
        kind = SensorKind(s.kind)
        low, high = PHYSICAL_RANGE[kind]
        configs.append(SensorConfig(sensor_id=s.id, kind=kind, location_type=LocationType.ROADWAY,
                                    power_zone=s.area.lower() if kind is SensorKind.CH4 else None,
                                    polling_seconds=2.0, physical_min=low, physical_max=high,
                                    thresholds=default_thresholds(kind, LocationType.ROADWAY)
                                    or default_thresholds(kind, None)))
    polls = [float(t) for t in range(0, int(args.bridge_seconds), 2)]
    plans = plan_evacuation(tl.network, tl.walkers(), ordered_at_s=600.0, contaminated=tl.field.contaminated(600.0),
                            blocked=tl.scenario.blocked_at(600.0))
    seen = sorted(tl.initial_sightings() + tl.route_sightings(plans))
    polls_of_readers: dict[tuple[int, str], list[str]] = {}  # (2 s poll, reader) → the tags it saw then
    for t, tag, reader in seen:
        if t < args.bridge_seconds:
            polls_of_readers.setdefault((int(t // 2), reader), []).append(tag)
    batches = [[{"sensor_id": sid, "value": v} for sid, v in tl.sensor_values(t)] for t in polls]
    total = sum(len(b) for b in batches)
    port = free_port()
    broker = EmbeddedBroker(port)
    broker.start()
    try:
        results = {}
        for label, topic, counter in (("drill topic", "minesafe/bench/drills/dbench/batch", "drill_readings_in"),
                                      ("production topic", "minesafe/bench/substations/ss1/batch", "readings_in"),
                                      ("drill sightings", "minesafe/bench/drills/dbench/sighting",
                                       "drill_sightings_in"),
                                      ("real sightings", "minesafe/bench/position/{reader}/sighting",
                                       "sightings_in")):
            with tempfile.TemporaryDirectory() as tmp:
                bridge = SensorBridge(config=BridgeConfig(mine_code="bench", sensors=configs),
                                      store=BridgeStore(Path(tmp) / "b.sqlite"), backend=None,
                                      options=BridgeOptions(mqtt_port=port, client_id=f"bench-{label[:5]}"))
                bridge.start()
                assert bridge.connected.wait(10)
                pub = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2)
                pub.max_inflight_messages_set(50)
                pub.connect("127.0.0.1", port)
                pub.loop_start()
                sightings = "sighting" in topic
                expected = sum(len(tags) for tags in polls_of_readers.values()) if sightings else total
                start = time.perf_counter()
                if sightings:  # each reader's poll at its moment of the hour, dated a second apart
                    origin = datetime.now(UTC) - timedelta(seconds=args.bridge_seconds + 60)
                    for (poll, reader), tags in sorted(polls_of_readers.items()):
                        ts = (origin + timedelta(seconds=2 * poll)).isoformat()
                        body = {"sightings": [{"tag": tag, "ts": ts} for tag in tags]}
                        pub.publish(topic.format(reader=reader), json.dumps(
                            body if "{reader}" in topic else {"reader": reader, **body}), qos=1)
                else:
                    for items in batches:
                        now = datetime.now(UTC).isoformat()
                        payload = json.dumps({"readings": [{**item, "ts": now} for item in items]})
                        pub.publish(topic, payload, qos=1)
                deadline = time.monotonic() + args.max_wait
                while bridge.stats[counter] < expected and time.monotonic() < deadline:
                    time.sleep(0.05)
                wall = time.perf_counter() - start
                done = bridge.stats[counter]
                pub.loop_stop()
                pub.disconnect()
                bridge.stop()
                results[label] = (wall, done, expected, bridge.stats["drill_control_cut"], bridge.stats["control_cut"],
                                  len(bridge._pending.sightings) + bridge.store.pending_count())
        print(f"  through the bridge (embedded amqtt, {len(batches)} batches of {len(configs)} readings, "
              f"{len(polls_of_readers)} reader polls of {len(seen)} sightings, {args.bridge_seconds:.0f} simulated s):")
        for label, (wall, done, expected, drill_cuts, real_cuts, _) in results.items():
            what = "sightings" if "sightings" in label else "readings"
            print(f"    {label:17s} {done}/{expected} {what} in {wall:.2f} s -> "
                  f"{args.bridge_seconds * done / expected / wall:,.0f} simulated s per s "
                  f"({done / wall:,.0f} {what}/s; cuts: drill {drill_cuts}, real {real_cuts})")
    finally:
        broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sensors", type=int, default=200)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--districts", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=3600)
    parser.add_argument("--bridge-seconds", type=float, default=3600)
    parser.add_argument("--max-wait", type=float, default=60)
    pure(parser.parse_args())


if __name__ == "__main__":
    main()
