"""Drill scenarios in YAML: a timeline of events and the responses expected, each with a time limit.

```yaml
name: 1201 face methane
duration_s: 900
people: [{area: WF1, count: 12}, {area: HEAD1, count: 4}]
events:
  - {id: gas, at_s: 30, kind: METHANE_RISE, area: WF1, rate_m3_s: 0.2, ramp_s: 120}
  - {id: down, at_s: 200, kind: PERSON_DOWN, camera: CAM-WF1}
responses:
  - {kind: ALARM, after: gas, within_s: 60}
  - {kind: POWER_CUT, after: gas, within_s: 90}
  - {kind: ACKNOWLEDGE, after: gas, within_s: 180, role: DISPATCHER}
  - {kind: EVACUATE, after: gas, within_s: 600}      # areas: the event's area and those downstream
  - {kind: PERMITS_SUSPENDED, after: gas, within_s: 120}
permits: [{kind: HOT_WORK, area: WF1}]                # drill permits: opened at the start, the interlock stops them
```

``load_scenario(text, network)`` checks the schema and then the scenario against the mine model; every error
names its field and line (DocumentError). The drill worker (``drills/``) never parses YAML: it reads the checked
scenario over GraphQL (``Drill.scenarioDocument``, ``Scenario.as_document``: JSON with every default filled in).
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend.drills.documents import DocumentError, DocumentProblem, Path, field_name, line_of, parse
from backend.drills.network import CODE, MineNetwork, affected_areas

Seconds = Annotated[float, Field(ge=0, le=86_400, allow_inf_nan=False)]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CODE)
    at_s: Seconds


class MethaneRise(_Event):
    """Methane emitted at a face: ``rate_m3_s`` reached over ``ramp_s``, until ``end_s`` (or the end)."""

    kind: Literal["METHANE_RISE"]
    area: str
    rate_m3_s: float = Field(gt=0, le=50)
    ramp_s: Seconds = 0
    end_s: Seconds | None = None


class CoFire(_Event):
    """A fire giving off CO in an area (``rate_m3_s`` of CO reached over ``ramp_s``)."""

    kind: Literal["CO_FIRE"]
    area: str
    rate_m3_s: float = Field(gt=0, le=5)
    ramp_s: Seconds = 0
    end_s: Seconds | None = None


class RoofSeparation(_Event):
    """A roof separation sensor's reading growing from ``from_mm`` to ``to_mm`` over ``over_s``."""

    kind: Literal["ROOF_SEPARATION"]
    sensor: str
    from_mm: float = Field(default=0, ge=0, le=1000)
    to_mm: float = Field(gt=0, le=1000)
    over_s: Seconds = 60


class PersonDown(_Event):
    """A person lying down in a camera's view (a vision event)."""

    kind: Literal["PERSON_DOWN"]
    camera: str


class RoadwayBlocked(_Event):
    """A roadway no one can walk (a fall of roof): evacuation routes avoid it from ``at_s``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    kind: Literal["ROADWAY_BLOCKED"]
    from_area: str = Field(alias="from")
    to_area: str = Field(alias="to")


Event = Annotated[MethaneRise | CoFire | RoofSeparation | PersonDown | RoadwayBlocked, Field(discriminator="kind")]


class ResponseKind(enum.StrEnum):
    ALARM = "ALARM"
    POWER_CUT = "POWER_CUT"
    ACKNOWLEDGE = "ACKNOWLEDGE"
    EVACUATE = "EVACUATE"
    PERMITS_SUSPENDED = "PERMITS_SUSPENDED"
    HAZARD_OPENED = "HAZARD_OPENED"


class ExpectedResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ResponseKind
    after: str = Field(description="the id of the event it answers")
    within_s: float = Field(gt=0, le=86_400)
    role: str | None = Field(default=None, description="who is expected to do it (a role name), if anyone")
    areas: list[str] | None = Field(default=None, description="EVACUATE: the areas to clear (default: affected)")
    points: int = Field(default=10, ge=1, le=100)


class PeopleGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: str
    count: int = Field(default=1, ge=1, le=5000)
    speed_m_s: float = Field(default=1.2, gt=0, le=5)
    reaction_s: Seconds = 30


class DrillPermit(BaseModel):
    """Work going on when the drill starts: a drill permit of ``kind`` (a permit kind's code) in ``area``, opened
    at the start and suspended only by the permits interlock on the drill's alarms (PERMITS_SUSPENDED)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern=CODE)
    area: str
    description: str = Field(default="", max_length=500)


class Scenario(BaseModel):
    """A drill scenario (the YAML document)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    duration_s: float = Field(gt=0, le=86_400)
    people: list[PeopleGroup] = Field(default_factory=list)
    permits: list[DrillPermit] = Field(default_factory=list, max_length=50)
    events: list[Event] = Field(min_length=1)
    responses: list[ExpectedResponse] = Field(default_factory=list)

    @model_validator(mode="after")
    def _times(self) -> Scenario:
        for event in self.events:
            if event.at_s > self.duration_s:
                raise ValueError(f"event {event.id!r} at {event.at_s:g} s is after the end ({self.duration_s:g} s)")
        return self

    def event(self, event_id: str) -> Event:
        return next(e for e in self.events if e.id == event_id)

    def evacuation_areas(self, response: ExpectedResponse, network: MineNetwork) -> list[str]:
        """The areas an EVACUATE response must clear: its own list, else the event's area and those downstream."""
        if response.areas is not None:
            return response.areas
        event = self.event(response.after)
        area = getattr(event, "area", None)
        if area is None and isinstance(event, PersonDown):
            area = network.cameras[event.camera].area
        if area is None and isinstance(event, RoofSeparation):
            area = network.sensors[event.sensor].area
        if area is None and isinstance(event, RoadwayBlocked):
            area = event.from_area
        return affected_areas(network, area) if area else []

    def people_tags(self) -> dict[str, str]:
        """The tag each simulated person carries in the drill (``{area}-{n}``) → the area they start in."""
        return {f"{group.area}-{n}": group.area for group in self.people for n in range(1, group.count + 1)}

    def as_document(self) -> dict[str, Any]:
        """The checked scenario as plain JSON data (defaults filled in, ``from``/``to`` spelled as in the YAML);
        each people group with the tags its people carry."""
        document = self.model_dump(mode="json", by_alias=True)
        tags = list(self.people_tags())
        offset = 0
        for group in document["people"]:
            group["tags"], offset = tags[offset:offset + group["count"]], offset + group["count"]
        return document


def _cross_check(scenario: Scenario, network: MineNetwork, lines: dict[Path, int]) -> list[DocumentProblem]:
    problems: list[DocumentProblem] = []
    areas = set(network.graph.nodes)

    def problem(path: Path, message: str) -> None:
        problems.append(DocumentProblem(field_name(path), message, line_of(lines, path)))

    ids: set[str] = set()
    for i, event in enumerate(scenario.events):
        if event.id in ids:
            problem(("events", i, "id"), f"event id {event.id!r} is used twice")
        ids.add(event.id)
        if isinstance(event, MethaneRise | CoFire) and event.area not in areas:
            problem(("events", i, "area"), f"unknown area {event.area!r}")
        if isinstance(event, RoofSeparation) and event.sensor not in network.sensors:
            problem(("events", i, "sensor"), f"unknown sensor {event.sensor!r}")
        if isinstance(event, PersonDown) and event.camera not in network.cameras:
            problem(("events", i, "camera"), f"unknown camera {event.camera!r}")
        if isinstance(event, RoadwayBlocked) and not (network.graph.has_edge(event.from_area, event.to_area)
                                                      or network.graph.has_edge(event.to_area, event.from_area)):
            problem(("events", i, "from"), f"no roadway between {event.from_area!r} and {event.to_area!r}")
        if isinstance(event, MethaneRise | CoFire) and event.end_s is not None and event.end_s <= event.at_s:
            problem(("events", i, "end_s"), "must be after at_s")
    for i, permit in enumerate(scenario.permits):
        if permit.area not in areas:
            problem(("permits", i, "area"), f"unknown area {permit.area!r}")
    for i, response in enumerate(scenario.responses):
        if response.kind is ResponseKind.PERMITS_SUSPENDED and not scenario.permits:
            problem(("responses", i, "kind"), "PERMITS_SUSPENDED is measured on the drill's permits: list the work "
                                              "going on under permits")
        if response.after not in ids:
            problem(("responses", i, "after"), f"no event with id {response.after!r}")
        for j, area in enumerate(response.areas or []):
            if area not in areas:
                problem(("responses", i, "areas", j), f"unknown area {area!r}")
    located = {reader.area for reader in network.readers.values()}
    for i, group in enumerate(scenario.people):
        if group.area not in areas:
            problem(("people", i, "area"), f"unknown area {group.area!r}")
        elif group.area not in located:
            problem(("people", i, "area"), f"no positioning reader in {group.area!r}: the drill locates its people "
                                           "by their sightings (place a reader there in the mine model)")
    if scenario.people and any(r.kind is ResponseKind.EVACUATE for r in scenario.responses) \
            and not located & set(network.safe_areas):
        problem(("responses",), "no safe area of the mine model has a positioning reader: evacuation cannot be "
                                "measured")
    return problems


def load_scenario(text: str, network: MineNetwork) -> Scenario:
    """A scenario from YAML, checked against its schema and the mine model; DocumentError names field and line."""
    scenario, lines = parse(Scenario, text)
    problems = _cross_check(scenario, network, lines)
    if problems:
        raise DocumentError(problems)
    return scenario
