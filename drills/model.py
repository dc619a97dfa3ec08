"""The drill worker's view of a drill: the mine model and the scenario as the backend checked them.

The backend owns the model and the scenario (``backend/drills/network.py``, ``scenario.py``: the schema, the YAML
parsing and its errors). The worker never imports the backend: like the bridge and the vision worker it is a
GraphQL client, and reads the checked documents of its drill (``Drill.network`` and ``Drill.scenarioDocument``,
JSON with every default filled in). So it does not validate them again; it only builds what the simulation needs:
the roadway network as a networkx DiGraph along the air, the devices on it, the scenario's events as dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from drills.simulation import GasSource


@dataclass(frozen=True, slots=True)
class PlacedSensor:
    id: str
    kind: str
    area: str
    baseline: float = 0.0


@dataclass(frozen=True)
class MineNetwork:
    """``graph``: a DiGraph along the air; edge data ``length_m``, ``cross_section_m2``, ``air_speed_m_s``,
    ``flow`` (m³/s), ``delay`` (s); node data ``safe``. Devices by id → their area."""

    graph: nx.DiGraph
    sensors: tuple[PlacedSensor, ...] = ()
    cameras: dict[str, str] = field(default_factory=dict)
    readers: dict[str, str] = field(default_factory=dict)

    @property
    def safe_areas(self) -> list[str]:
        return [n for n, data in self.graph.nodes(data=True) if data["safe"]]

    def reader_in(self, area: str) -> str | None:
        """The first positioning reader placed in ``area`` (by id), None when the area has none."""
        return min((reader for reader, where in self.readers.items() if where == area), default=None)

    def affected_areas(self, area: str) -> set[str]:
        """The area and every area its air reaches."""
        return {area, *nx.descendants(self.graph, area)}


def network_from_document(document: dict[str, Any]) -> MineNetwork:
    """The model from its checked JSON document (``Drill.network``)."""
    graph = nx.DiGraph()
    for area in document["areas"]:
        graph.add_node(area["id"], safe=bool(area.get("safe")), kind=area.get("kind", "ROADWAY"))
    for road in document.get("roadways", []):
        speed = float(road["air_speed_m_s"])
        graph.add_edge(road["from"], road["to"], length_m=float(road["length_m"]),
                       cross_section_m2=float(road["cross_section_m2"]), air_speed_m_s=speed,
                       flow=float(road["cross_section_m2"]) * speed, delay=float(road["length_m"]) / speed)
    return MineNetwork(graph=graph,
                       sensors=tuple(PlacedSensor(id=s["id"], kind=s["kind"], area=s["area"],
                                                  baseline=float(s.get("baseline", 0.0)))
                                     for s in document.get("sensors", [])),
                       cameras={c["id"]: c["area"] for c in document.get("cameras", [])},
                       readers={r["id"]: r["area"] for r in document.get("readers", [])})


# --- the scenario -------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GasEvent:
    """METHANE_RISE or CO_FIRE: gas emitted in ``area``."""

    id: str
    kind: str
    at_s: float
    area: str
    rate_m3_s: float
    ramp_s: float = 0.0
    end_s: float | None = None

    @property
    def gas(self) -> str:
        return "CH4" if self.kind == "METHANE_RISE" else "CO"


@dataclass(frozen=True, slots=True)
class RoofSeparation:
    id: str
    kind: str
    at_s: float
    sensor: str
    to_mm: float
    from_mm: float = 0.0
    over_s: float = 60.0


@dataclass(frozen=True, slots=True)
class PersonDown:
    id: str
    kind: str
    at_s: float
    camera: str


@dataclass(frozen=True, slots=True)
class RoadwayBlocked:
    id: str
    kind: str
    at_s: float
    from_area: str
    to_area: str


Event = GasEvent | RoofSeparation | PersonDown | RoadwayBlocked
EVENT_TYPES: dict[str, type[Event]] = {"METHANE_RISE": GasEvent, "CO_FIRE": GasEvent,
                                       "ROOF_SEPARATION": RoofSeparation, "PERSON_DOWN": PersonDown,
                                       "ROADWAY_BLOCKED": RoadwayBlocked}


@dataclass(frozen=True, slots=True)
class PeopleGroup:
    """People starting in ``area``; ``tags``: the tag each carries in the drill (as the backend names them)."""

    area: str
    tags: tuple[str, ...]
    speed_m_s: float = 1.2
    reaction_s: float = 30.0


@dataclass(frozen=True)
class Scenario:
    name: str
    duration_s: float
    events: tuple[Event, ...]
    people: tuple[PeopleGroup, ...] = ()

    def gas_sources(self) -> list[GasSource]:
        return [GasSource(gas=e.gas, area=e.area, start_s=e.at_s, rate_m3_s=e.rate_m3_s, ramp_s=e.ramp_s,
                          end_s=e.end_s) for e in self.events if isinstance(e, GasEvent)]

    def blockages(self) -> list[tuple[float, tuple[str, str]]]:
        """(drill second, roadway) of each ROADWAY_BLOCKED event, earliest first."""
        return sorted((e.at_s, (e.from_area, e.to_area)) for e in self.events if isinstance(e, RoadwayBlocked))

    def blocked_at(self, t: float) -> set[tuple[str, str]]:
        return {road for at_s, road in self.blockages() if at_s <= t}


def _event(item: dict[str, Any]) -> Event:
    fields = {key: value for key, value in item.items() if value is not None}
    if "from" in fields:
        fields["from_area"], fields["to_area"] = fields.pop("from"), fields.pop("to")
    kind = EVENT_TYPES[fields["kind"]]
    return kind(**{name: fields[name] for name in kind.__dataclass_fields__ if name in fields})


def scenario_from_document(document: dict[str, Any]) -> Scenario:
    """The scenario from its checked JSON document (``Drill.scenarioDocument``)."""
    return Scenario(name=document["name"], duration_s=float(document["duration_s"]),
                    events=tuple(_event(item) for item in document["events"]),
                    people=tuple(PeopleGroup(area=g["area"], tags=tuple(g["tags"]), speed_m_s=float(g["speed_m_s"]),
                                             reaction_s=float(g["reaction_s"])) for g in document.get("people", [])))
