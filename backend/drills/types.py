"""GraphQL types of the mine model and the drills."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from backend.drills import positions as drill_positions
from backend.drills.models import Drill, DrillEventKind, DrillParticipant, DrillState, MineNetwork
from backend.drills.network import MineNetwork as Network
from backend.drills.network import downstream_areas, from_document
from backend.drills.scenario import load_scenario
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from contracts.topics import drill_batch_topic

DrillStateType = strawberry.enum(DrillState, name="DrillState")
DrillEventKindType = strawberry.enum(DrillEventKind, name="DrillEventKind")


@strawberry.type(name="NetworkArea")
class NetworkAreaType:
    id: str = strawberry.field(description="the area's code in the unit tree")
    name: str
    kind: str
    safe: bool
    x: float | None
    y: float | None
    downstream: list[str] = strawberry.field(description="areas the air of this one reaches, nearest first")


@strawberry.type(name="Roadway")
class RoadwayType:
    from_area: str
    to_area: str
    length_m: float
    cross_section_m2: float
    air_speed_m_s: float
    flow_m3_s: float
    delay_s: float = strawberry.field(description="seconds the air needs to cross it")


@strawberry.type(name="PlacedDevice")
class PlacedDeviceType:
    id: str
    kind: str = strawberry.field(description="SENSOR (with its sensor kind), CAMERA or READER")
    area: str


@strawberry.type(name="MineNetwork")
class MineNetworkType:
    version: int
    updated_at: datetime
    areas: list[NetworkAreaType]
    roadways: list[RoadwayType]
    devices: list[PlacedDeviceType]
    document: str = strawberry.field(description="the model as a JSON document (importMineNetwork takes it back)")

    @classmethod
    def from_model(cls, row: MineNetwork, network: Network, document: str) -> MineNetworkType:
        doc = network.document
        return cls(
            version=row.version, updated_at=row.updated_at, document=document,
            areas=[NetworkAreaType(id=a.id, name=a.name, kind=a.kind.value, safe=a.safe, x=a.x, y=a.y,
                                   downstream=downstream_areas(network, a.id)) for a in doc.areas],
            roadways=[RoadwayType(from_area=r.from_area, to_area=r.to_area, length_m=r.length_m,
                                  cross_section_m2=r.cross_section_m2, air_speed_m_s=r.air_speed_m_s,
                                  flow_m3_s=r.flow_m3_s, delay_s=r.delay_s) for r in doc.roadways],
            devices=[*(PlacedDeviceType(id=s.id, kind=f"SENSOR {s.kind}", area=s.area) for s in doc.sensors),
                     *(PlacedDeviceType(id=c.id, kind="CAMERA", area=c.area) for c in doc.cameras),
                     *(PlacedDeviceType(id=r.id, kind="READER", area=r.area) for r in doc.readers)])


@strawberry.type(name="DrillResponseResult")
class DrillResponseResultType:
    kind: str
    after: str = strawberry.field(description="the scenario event it answers")
    within_s: float
    seconds: float | None = strawberry.field(description="drill seconds from the event; null: never happened")
    who: str | None
    met: bool
    note: str
    points: int
    earned: float

    @classmethod
    def from_dict(cls, item: dict[str, Any]) -> DrillResponseResultType:
        return cls(kind=item["kind"], after=item["after"], within_s=item["within_s"], seconds=item["seconds"],
                   who=item["who"], met=item["met"], note=item["note"], points=item["points"],
                   earned=item["earned"])


@strawberry.type(name="DrillPosition", description="A drill's simulated person, located by drill sightings.")
class DrillPositionType:
    tag_code: str
    start_area: str = strawberry.field(description="the model's area of the first sighting")
    area: str = strawberry.field(description="the model's area of the latest sighting")
    last_seen_at: datetime
    safe_at: datetime | None = strawberry.field(description="first sighted in a safe area")


@strawberry.type(name="Drill")
class DrillType:
    model: strawberry.Private[Drill]
    id: strawberry.ID
    code: str = strawberry.field(description="the drill's segment in its MQTT topics")
    name: str
    state: DrillStateType  # type: ignore[valid-type]
    speed: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    score: float | None = strawberry.field(description="0–100 once finished")
    results: list[DrillResponseResultType]
    scenario: str
    readings_topic: str = strawberry.field(description="where the drill's simulated readings are published")
    network: str = strawberry.field(description="the mine model the drill was planned on (JSON document)")
    report_url: str | None = strawberry.field(description="the timeline report (PDF), a signed URL valid an hour")

    @strawberry.field(description="the checked scenario as a JSON document, every default filled in and each people "
                                  "group with the tags its people carry (what the drill worker plays)")
    def scenario_document(self) -> str:
        scenario = load_scenario(self.model.scenario, from_document(self.model.network))
        return json.dumps(scenario.as_document(), ensure_ascii=False)

    @strawberry.field(description="the drill's people as its positioning located them (drill sightings only)")
    async def positions(self, info: Info[Context, None]) -> list[DrillPositionType]:
        rows = await drill_positions.positions_of(session=info.context.session, drill_id=self.model.id)
        return [DrillPositionType(tag_code=p.tag_code, start_area=p.start_area, area=p.area,
                                  last_seen_at=p.last_seen_at, safe_at=p.safe_at) for p in rows]

    @classmethod
    def from_model(cls, drill: Drill, *, mine_code: str, report_url: str | None) -> DrillType:
        return cls(model=drill, id=strawberry.ID(str(drill.id)), code=drill.code, name=drill.name, state=drill.state,
                   speed=drill.speed, created_at=drill.created_at, started_at=drill.started_at,
                   finished_at=drill.finished_at, score=drill.score,
                   results=[DrillResponseResultType.from_dict(r) for r in drill.results or []],
                   scenario=drill.scenario, network=json.dumps(drill.network, ensure_ascii=False),
                   readings_topic=drill_batch_topic(mine_code, drill.code),
                   report_url=report_url)


@strawberry.type(name="MyDrill", description="A drill a person takes part in: their task and the drill's result.")
class MyDrillType:
    drill: DrillType
    task: str

    @classmethod
    def from_model(cls, participant: DrillParticipant, drill: DrillType) -> MyDrillType:
        return cls(drill=drill, task=participant.task)


@strawberry.input
class RoadwayInput:
    from_area: str
    to_area: str
    length_m: float
    cross_section_m2: float
    air_speed_m_s: float


@strawberry.input
class DrillParticipantInput:
    user_id: strawberry.ID
    task: str


@strawberry.input
class PlanDrillInput:
    scenario: str = strawberry.field(description="the scenario YAML (drills/scenario.py)")
    speed: float = strawberry.field(default=1.0, description="drill seconds per wall-clock second")
    participants: list[DrillParticipantInput] = strawberry.field(default_factory=list)


@strawberry.input
class SubmitDrillVisionVideoInput:
    drill_id: strawberry.ID
    camera: str = strawberry.field(description="the camera's code (in the drill's model and the mine's cameras)")
    object_key: str = strawberry.field(description="the uploaded video (requestUpload kind VIDEO)")
    recorded_at: datetime = strawberry.field(description="when the video starts: its events are dated from it")


@strawberry.type(name="DrillEventRecorded")
class DrillEventRecordedType:
    kind: DrillEventKindType  # type: ignore[valid-type]
    at: datetime
    count: int = 1


MineNetworkResult = Annotated[MineNetworkType | NotAllowedType | NotFoundType | ValidationFailedType,
                              strawberry.union("MineNetworkResult")]
DrillResult = Annotated[DrillType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
                        strawberry.union("DrillResult")]
DrillEventResult = Annotated[
    DrillEventRecordedType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("DrillEventResult")]
