"""The drill simulation as pure functions over a MineNetwork: gas carried by the air, evacuation routes, walkers.

Advection with dilution at junctions: the air leaving an area carries the area's concentration; a roadway
delays it by ``length / air speed``; an area's concentration is the flow-weighted mix of what its roadways bring
at that moment plus what is emitted there::

    c_n(t) = (Σ_e Q_e · c_src(e)(t − d_e) + G_n(t)) / (Q_n + G_n(t))

``Q_e`` the roadway's flow (m³/s), ``d_e`` its delay (s), ``G_n`` the gas emitted in the area (m³/s), ``Q_n`` the
air through the area (its inflow; for an intake, its outflow). The network has no loops (recirculation is refused),
so each area's whole series follows from its upstream areas' series: areas in topological order, one vector
operation each (``numpy.interp`` does the delay, linear between time steps). Concentrations are volume fractions;
``reading`` turns them into a sensor's unit (CH4 %, CO ppm).

A blocked roadway (a fall of roof) carries no air from the moment it blocks, and the air redistributes
(``air_flows``): the main fan keeps the quantity at each intake, at each junction the air a blocked roadway carried
goes to the open roadways out of it in the proportions of their normal flows (and a change of an area's inflow
carries on downstream in proportion), and a roadway that leads only into a dead end carries nothing. An area no air
passes through any more keeps its concentration and fills with what is emitted there (in the volume of the near
halves of its roadways). A roadway's speed is then its new flow over its section, its delay its length over that
speed; air in transit when the flows change is taken at the new delay (a step change, not a transient: no pressure
and resistance network is solved).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

if TYPE_CHECKING:
    from drills.model import MineNetwork

Roadway = tuple[str, str]

#: a roadway is contaminated (evacuation avoids it) at these volume fractions: CH4 1.0 %, CO 24 ppm (DOMAIN.md)
CONTAMINATION_LIMITS = {"CH4": 0.01, "CO": 24e-6, "H2S": 6.6e-6, "CO2": 0.015}
#: sensor kind → factor from a volume fraction to the sensor's unit
UNIT_FACTORS = {"CH4": 100.0, "CO2": 100.0, "CO": 1e6, "H2S": 1e6}


@dataclass(frozen=True, slots=True)
class GasSource:
    """Gas emitted in ``area``: ``rate_m3_s`` reached linearly over ``ramp_s`` from ``start_s``, held until
    ``end_s`` (None: to the end)."""

    gas: str
    area: str
    start_s: float
    rate_m3_s: float
    ramp_s: float = 0.0
    end_s: float | None = None

    def rates(self, times: np.ndarray) -> np.ndarray:
        elapsed = times - self.start_s
        share = np.clip(elapsed / self.ramp_s, 0.0, 1.0) if self.ramp_s > 0 else (elapsed >= 0).astype(float)
        rate = self.rate_m3_s * share
        if self.end_s is not None:
            rate = np.where(times >= self.end_s, 0.0, rate)
        return np.where(elapsed < 0, 0.0, rate)


@dataclass(frozen=True)
class GasField:
    """Concentrations (volume fractions) of each gas in each area at each time step."""

    times: np.ndarray
    areas: list[str]
    values: dict[str, np.ndarray]  # gas → array [area index, time index]
    index: dict[str, int] = field(repr=False)

    def at(self, gas: str, area: str, t: float) -> float:
        """The concentration of ``gas`` in ``area`` at ``t`` seconds (linear between steps; 0 for an absent gas)."""
        series = self.values.get(gas)
        if series is None:
            return 0.0
        return float(np.interp(t, self.times, series[self.index[area]], left=0.0))

    def series(self, gas: str, area: str) -> np.ndarray:
        series = self.values.get(gas)
        return np.zeros_like(self.times) if series is None else series[self.index[area]]

    def contaminated(self, t: float) -> set[str]:
        """The areas over any contamination limit at ``t``."""
        out: set[str] = set()
        for gas, series in self.values.items():
            limit = CONTAMINATION_LIMITS.get(gas)
            if limit is None:
                continue
            column = np.array([np.interp(t, self.times, row, left=0.0) for row in series])
            out.update(self.areas[i] for i in np.nonzero(column >= limit)[0])
        return out


def _is_blocked(road: Roadway, blocked: AbstractSet[Roadway]) -> bool:
    return road in blocked or road[::-1] in blocked


def air_flows(network: MineNetwork, blocked: AbstractSet[Roadway] = frozenset()) -> dict[Roadway, float]:
    """Every roadway's flow (m³/s) once the ``blocked`` ones (either direction) carry no air: each intake keeps its
    quantity; an area whose inflow changed by a factor passes that factor on, and what its blocked ways out carried
    goes to its open ones in the proportions of their normal flows; a roadway into an area with no open way on to
    a return carries nothing. With nothing blocked, the normal flows."""
    graph = network.graph
    open_roads = {road for road in graph.edges if not _is_blocked(road, blocked)}
    changed = True
    while changed:  # prune dead ends: an area that had a way out and has none left takes no air
        changed = False
        for area in graph:
            if graph.out_degree(area) and not any((area, b) in open_roads for b in graph.successors(area)):
                inflow = {(a, area) for a in graph.predecessors(area)} & open_roads
                if inflow:
                    open_roads -= inflow
                    changed = True
    flows: dict[Roadway, float] = dict.fromkeys(graph.edges, 0.0)
    for area in nx.topological_sort(graph):
        outs = [(area, b) for b in graph.successors(area) if (area, b) in open_roads]
        if not outs:
            continue
        normal_out = sum(graph.edges[road]["flow"] for road in graph.out_edges(area))
        if graph.in_degree(area):  # the share of its normal air that still reaches it
            normal_in = sum(graph.edges[road]["flow"] for road in graph.in_edges(area))
            share = sum(flows[road] for road in graph.in_edges(area)) / normal_in
        else:  # an intake: the fan keeps its quantity
            share = 1.0
        open_out = sum(graph.edges[road]["flow"] for road in outs)
        for road in outs:
            flows[road] = graph.edges[road]["flow"] * share * normal_out / open_out
    return flows


def _flow_series(network: MineNetwork, times: np.ndarray,
                 blockages: list[tuple[float, Roadway]]) -> dict[Roadway, np.ndarray]:
    """Each roadway's flow at each time step: the normal flows, then those after each blockage from its time."""
    series = {road: np.full(len(times), network.graph.edges[road]["flow"]) for road in network.graph.edges}
    blocked: set[Roadway] = set()
    for at_s, road in sorted(blockages):
        blocked.add(road)
        after = times >= at_s
        for edge, flow in air_flows(network, blocked).items():
            series[edge][after] = flow
    return series


def _volume(network: MineNetwork, area: str) -> float:
    """The air an area holds: the near half of each of its roadways (length × section / 2), m³."""
    return sum(data["length_m"] * data["cross_section_m2"] / 2 for *_, data in
               [*network.graph.in_edges(area, data=True), *network.graph.out_edges(area, data=True)])


def _stagnant(conc: np.ndarray, emitted_m3: np.ndarray, still: np.ndarray, volume_m3: float) -> np.ndarray:
    """An area no air passes through keeps the concentration it had when the air stopped, plus what is emitted
    into its volume since (at most pure gas)."""
    steps = np.arange(len(conc))
    last_moving = np.maximum.accumulate(np.where(still, -1, steps))
    before = np.where(last_moving >= 0, conc[np.maximum(last_moving, 0)], 0.0)
    emitted = np.cumsum(emitted_m3)
    since = emitted - np.where(last_moving >= 0, emitted[np.maximum(last_moving, 0)], 0.0)
    return np.where(still, np.minimum(1.0, before + since / max(volume_m3, 1e-9)), conc)


def simulate_gas(network: MineNetwork, sources: list[GasSource], *, duration_s: float, dt_s: float = 1.0,
                 blockages: list[tuple[float, Roadway]] | None = None) -> GasField:
    """The concentration of every source's gas in every area from 0 to ``duration_s`` (both included);
    ``blockages``: (drill second, roadway) each roadway blocks, the air redistributing from then."""
    graph = network.graph
    steps = math.floor(duration_s / dt_s + 1e-9) + 1
    times = np.arange(steps, dtype=float) * dt_s
    order = list(nx.topological_sort(graph))
    index = {area: i for i, area in enumerate(order)}
    flows = _flow_series(network, times, blockages or [])
    with np.errstate(divide="ignore"):  # a roadway with no air: an infinite delay, and it carries nothing
        delays = {road: np.where(flow > 0, data["length_m"] * data["cross_section_m2"] / flow, np.inf)
                  for road, flow, data in ((r, flows[r], graph.edges[r]) for r in graph.edges)}
    through = {area: (sum((flows[road] for road in graph.in_edges(area)), np.zeros(steps)) if graph.in_degree(area)
                      else sum((flows[road] for road in graph.out_edges(area)), np.zeros(steps)))
               for area in order}
    values: dict[str, np.ndarray] = {}
    for gas in sorted({s.gas for s in sources}):
        emitted = np.zeros((len(order), steps))
        for source in sources:
            if source.gas == gas:
                emitted[index[source.area]] += source.rates(times)
        conc = np.zeros((len(order), steps))
        for area in order:
            i = index[area]
            carried = np.zeros(steps)
            for road in graph.in_edges(area):
                carried += flows[road] * np.interp(times - delays[road], times, conc[index[road[0]]], left=0.0)
            total = through[area] + emitted[i]
            conc[i] = np.where(total > 0, (carried + emitted[i]) / np.where(total > 0, total, 1.0), 0.0)
            if not through[area].all():
                conc[i] = _stagnant(conc[i], emitted[i] * dt_s, through[area] <= 0, _volume(network, area))
        values[gas] = conc
    return GasField(times=times, areas=order, values=values, index=index)


def reading(kind: str, fraction: float, baseline: float = 0.0) -> float:
    """A gas sensor's reading for a volume fraction (CH4/CO2 in %, CO/H2S in ppm), on top of its baseline."""
    return baseline + fraction * UNIT_FACTORS.get(kind, 1.0)


# --- evacuation ----------------------------------------------------------------------------------------
CONTAMINATED_PENALTY = 1000.0  # a contaminated roadway counts this many times its length: used only if unavoidable


@dataclass(frozen=True, slots=True)
class Route:
    """A way out: the areas from ``path[0]`` to a safe area, the length of each leg, and whether it has to cross a
    contaminated roadway (no clean way exists)."""

    path: tuple[str, ...]
    legs_m: tuple[float, ...]
    exposed: bool

    @property
    def length_m(self) -> float:
        return float(sum(self.legs_m))


def walking_graph(network: MineNetwork, *, contaminated: AbstractSet[str],
                  blocked: AbstractSet[Roadway]) -> nx.Graph:
    """Roadways as people walk them (either way; a blocked one is gone), weighted by length, contaminated ones by
    ``CONTAMINATED_PENALTY`` times their length. A roadway ``a → b`` carries the air of ``a``: it is contaminated
    when ``a`` is, so walking against the air out of a gas area (into the intake air) is the clean way out, and
    walking with it (down the return) is not."""
    walk = nx.Graph()
    walk.add_nodes_from(network.graph.nodes)
    for a, b, data in network.graph.edges(data=True):
        if _is_blocked((a, b), blocked):
            continue
        dirty = a in contaminated
        walk.add_edge(a, b, length=data["length_m"], dirty=dirty,
                      weight=data["length_m"] * (CONTAMINATED_PENALTY if dirty else 1.0))
    return walk


def evacuation_routes(network: MineNetwork, starts: set[str], *, contaminated: AbstractSet[str] = frozenset(),
                      blocked: AbstractSet[Roadway] = frozenset()) -> dict[str, Route | None]:
    """For each start area, the shortest way to the nearest safe area avoiding contaminated roadways (through them
    only when nothing else leads out; ``exposed`` then); None when no way is left (blocked). One multi-source
    Dijkstra from the safe areas serves every start."""
    walk = walking_graph(network, contaminated=contaminated, blocked=blocked)
    safe = network.safe_areas
    _, paths = nx.multi_source_dijkstra(walk, safe, weight="weight")
    routes: dict[str, Route | None] = {}
    for start in starts:
        path = paths.get(start)
        if path is None:
            routes[start] = None
            continue
        path = list(reversed(path))
        legs = tuple(walk.edges[a, b]["length"] for a, b in itertools.pairwise(path))
        exposed = any(walk.edges[a, b]["dirty"] for a, b in itertools.pairwise(path))
        routes[start] = Route(path=tuple(path), legs_m=legs, exposed=exposed)
    return routes


@dataclass(frozen=True, slots=True)
class Walker:
    """A simulated person: where they are, how fast they walk, how long they take to set off once told."""

    person: str
    area: str
    speed_m_s: float = 1.2
    reaction_s: float = 30.0


@dataclass(frozen=True, slots=True)
class WalkPlan:
    walker: Walker
    route: Route | None
    depart_s: float

    @property
    def arrive_s(self) -> float | None:
        if self.route is None:
            return None
        return self.depart_s + self.route.length_m / self.walker.speed_m_s

    def area_at(self, t: float) -> str:
        """The area the walker is in (or last passed) at ``t``."""
        if self.route is None or t <= self.depart_s:
            return self.walker.area
        walked = (t - self.depart_s) * self.walker.speed_m_s
        area = self.route.path[0]
        for leg, nxt in zip(self.route.legs_m, self.route.path[1:], strict=False):
            if walked < leg:
                # half way along a roadway, a reader near its far end sees the person: the nearer end counts
                return nxt if walked >= leg / 2 else area
            walked -= leg
            area = nxt
        return area

    def passages(self) -> list[tuple[float, str]]:
        """(time, area) each time the walker reaches an area of the route, the start first."""
        out = [(self.depart_s, self.walker.area)]
        if self.route is None:
            return out
        t = self.depart_s
        for leg, area in zip(self.route.legs_m, self.route.path[1:], strict=False):
            t += leg / self.walker.speed_m_s
            out.append((t, area))
        return out


def plan_evacuation(network: MineNetwork, walkers: list[Walker], *, ordered_at_s: float,
                    contaminated: AbstractSet[str] = frozenset(),
                    blocked: AbstractSet[Roadway] = frozenset()) -> list[WalkPlan]:
    """Every walker's way out once evacuation is ordered at ``ordered_at_s``."""
    routes = evacuation_routes(network, {w.area for w in walkers}, contaminated=contaminated, blocked=blocked)
    return [WalkPlan(walker=w, route=routes[w.area], depart_s=ordered_at_s + w.reaction_s) for w in walkers]
