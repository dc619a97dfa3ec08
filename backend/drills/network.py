"""The mine model: areas as a roadway network (a networkx DiGraph directed along the air), with sensors, cameras
and positioning readers placed on it.

A roadway ``from → to`` carries air from ``from`` to ``to``: its flow is ``cross_section_m2 × air_speed_m_s``
(m³/s) and air needs ``length_m / air_speed_m_s`` seconds to cross it. Intakes are the areas no roadway feeds;
every area must lie on an air path from an intake to a return (an area no roadway leaves). A directed loop is
recirculation, which the coal mine safety regulations forbid: the model refuses it.

``downstream_areas(network, area_id)`` answers "which areas does the air of this one reach", the affected areas
of a gas or fire event; positioning (evacuation lists) and permits (suspension) call it.

This module, ``scenario`` and ``documents`` are the backend's: it validates and stores the model. The drill worker
(``drills/``) never imports them: it is a GraphQL client that reads the checked model (``Drill.network``, JSON) and
builds its own graph for the simulation (``drills/model.py``), as the bridge and the vision worker read theirs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field

from backend.drills.documents import DocumentError, DocumentProblem, Path, field_name, line_of, parse

CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


class AreaKind(enum.StrEnum):
    WORKING_FACE = "WORKING_FACE"
    HEADING_FACE = "HEADING_FACE"
    ROADWAY = "ROADWAY"
    SHAFT = "SHAFT"
    CHAMBER = "CHAMBER"
    REFUGE = "REFUGE"
    SURFACE = "SURFACE"


class AreaSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CODE, description="the area's code (as the org unit tree names it)")
    name: str = ""
    kind: AreaKind = AreaKind.ROADWAY
    safe: bool = Field(default=False, description="a place of safety people evacuate to (refuge, shaft bottom)")
    x: float | None = None
    y: float | None = None


class RoadwaySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_area: str = Field(alias="from", description="the area the air comes from")
    to_area: str = Field(alias="to", description="the area the air goes to")
    length_m: float = Field(gt=0, allow_inf_nan=False)
    cross_section_m2: float = Field(gt=0, allow_inf_nan=False)
    air_speed_m_s: float = Field(gt=0, le=15, allow_inf_nan=False, description="mean air speed along the roadway")

    @property
    def flow_m3_s(self) -> float:
        return self.cross_section_m2 * self.air_speed_m_s

    @property
    def delay_s(self) -> float:
        return self.length_m / self.air_speed_m_s


class SensorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CODE)
    kind: str = Field(description="CH4, CO, ROOF_SEPARATION, … as the bridge names them")
    area: str
    baseline: float = Field(default=0.0, allow_inf_nan=False, description="the reading with no event")


class DeviceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CODE)
    area: str


class NetworkDocument(BaseModel):
    """The file format of a mine model (YAML or JSON): ``areas``, ``roadways``, ``sensors``, ``cameras``,
    ``readers`` (positioning readers)."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    areas: list[AreaSpec] = Field(min_length=1)
    roadways: list[RoadwaySpec] = Field(default_factory=list)
    sensors: list[SensorSpec] = Field(default_factory=list)
    cameras: list[DeviceSpec] = Field(default_factory=list)
    readers: list[DeviceSpec] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MineNetwork:
    """A validated mine model: ``graph`` (DiGraph along the air; edge data ``length_m``, ``cross_section_m2``,
    ``air_speed_m_s``, ``flow``, ``delay``; node data ``kind``, ``safe``, ``x``, ``y``) and the devices on it."""

    graph: nx.DiGraph
    document: NetworkDocument

    @property
    def sensors(self) -> dict[str, SensorSpec]:
        return {s.id: s for s in self.document.sensors}

    @property
    def cameras(self) -> dict[str, DeviceSpec]:
        return {c.id: c for c in self.document.cameras}

    @property
    def readers(self) -> dict[str, DeviceSpec]:
        return {r.id: r for r in self.document.readers}

    @property
    def safe_areas(self) -> list[str]:
        return [n for n, data in self.graph.nodes(data=True) if data["safe"]]


def _problems(doc: NetworkDocument, lines: dict[Path, int]) -> list[DocumentProblem]:
    problems: list[DocumentProblem] = []

    def problem(path: Path, message: str) -> None:
        problems.append(DocumentProblem(field_name(path), message, line_of(lines, path)))

    seen: set[str] = set()
    for index, area in enumerate(doc.areas):
        if area.id in seen:
            problem(("areas", index, "id"), f"area {area.id!r} is listed twice")
        seen.add(area.id)
    pairs: set[tuple[str, str]] = set()
    for index, road in enumerate(doc.roadways):
        for name, alias in (("from_area", "from"), ("to_area", "to")):
            if getattr(road, name) not in seen:
                problem(("roadways", index, alias), f"unknown area {getattr(road, name)!r}")
        if road.from_area == road.to_area:
            problem(("roadways", index, "to"), "a roadway must join two different areas")
        pair = (road.from_area, road.to_area)
        if pair in pairs or pair[::-1] in pairs:
            problem(("roadways", index), f"a second roadway between {pair[0]!r} and {pair[1]!r}")
        pairs.add(pair)
    for family in ("sensors", "cameras", "readers"):
        ids: set[str] = set()
        for index, device in enumerate(getattr(doc, family)):
            if device.area not in seen:
                problem((family, index, "area"), f"unknown area {device.area!r}")
            if device.id in ids:
                problem((family, index, "id"), f"{device.id!r} is listed twice")
            ids.add(device.id)
    if problems:
        return problems

    graph = _graph(doc)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        loop = " → ".join([cycle[0][0], *(edge[1] for edge in cycle)])
        problem(("roadways",), f"air recirculates ({loop}): recirculation is forbidden; check the air directions")
        return problems
    if len(doc.areas) > 1:
        intakes = {n for n in graph if graph.in_degree(n) == 0 and graph.out_degree(n) > 0}
        returns = {n for n in graph if graph.out_degree(n) == 0 and graph.in_degree(n) > 0}
        fed = set().union(*(nx.descendants(graph, n) | {n} for n in intakes)) if intakes else set()
        drained = set().union(*(nx.ancestors(graph, n) | {n} for n in returns)) if returns else set()
        for index, area in enumerate(doc.areas):
            if graph.degree(area.id) == 0:
                problem(("areas", index, "id"), f"area {area.id!r} is on no air path: no roadway reaches it")
            elif area.id not in fed or area.id not in drained:
                problem(("areas", index, "id"), f"area {area.id!r} is not on an air path from an intake to a return")
    if not any(area.safe for area in doc.areas):
        problem(("areas",), "no area is marked safe: evacuation has nowhere to go")
    return problems


def _graph(doc: NetworkDocument) -> nx.DiGraph:
    graph = nx.DiGraph()
    for area in doc.areas:
        graph.add_node(area.id, name=area.name, kind=area.kind.value, safe=area.safe, x=area.x, y=area.y)
    for road in doc.roadways:
        graph.add_edge(road.from_area, road.to_area, length_m=road.length_m, cross_section_m2=road.cross_section_m2,
                       air_speed_m_s=road.air_speed_m_s, flow=road.flow_m3_s, delay=road.delay_s)
    return graph


def build(doc: NetworkDocument, lines: dict[Path, int] | None = None) -> MineNetwork:
    """A MineNetwork from a schema-valid document; raises DocumentError naming every unknown area, duplicate,
    loop and area off the air paths."""
    problems = _problems(doc, lines or {})
    if problems:
        raise DocumentError(problems)
    return MineNetwork(graph=_graph(doc), document=doc)


def from_document(document: dict[str, Any]) -> MineNetwork:
    """A model from its stored JSON document (checked when it was saved; checked again here)."""
    return build(NetworkDocument.model_validate(document))


def load_network(text: str) -> MineNetwork:
    """A mine model from its YAML or JSON text (see NetworkDocument); DocumentError with field and line."""
    doc, lines = parse(NetworkDocument, text)
    return build(doc, lines)


def downstream_areas(network: MineNetwork, area_id: str) -> list[str]:
    """The areas the air of ``area_id`` reaches, nearest first (by air travel time); not ``area_id`` itself.
    Raises KeyError for an area the model does not have."""
    graph = network.graph
    if area_id not in graph:
        raise KeyError(area_id)
    times = nx.single_source_dijkstra_path_length(graph, area_id, weight="delay")
    return [area for area, _ in sorted(times.items(), key=lambda kv: (kv[1], kv[0])) if area != area_id]


def affected_areas(network: MineNetwork, area_id: str) -> list[str]:
    """The area of an event and every area downstream of it."""
    return [area_id, *downstream_areas(network, area_id)]
