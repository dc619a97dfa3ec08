"""GraphQL types of positioning: presences, occupancy against the limit, stays, the tag registry, readers,
flagged sightings, sighting batches and evacuation lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.graphql.context import Context
from backend.graphql.errors import NotAllowedType, NotFoundType, ValidationFailedType
from backend.hazards.loaders import areas as area_loader
from backend.hazards.loaders import users as user_loader
from backend.org.models import Area
from backend.org.types import AreaType
from backend.positioning.models import (
    Evacuation,
    EvacuationMember,
    FlaggedSighting,
    PersonPosition,
    Reader,
    Stay,
    TagIssue,
)


async def _person(info: Info[Context, None], user_id: object) -> PersonType | None:
    user = await user_loader(info.context).load(user_id)
    return PersonType.from_model(user) if user else None


async def _area(info: Info[Context, None], area_id: object) -> AreaType | None:
    if area_id is None:
        return None
    area = await area_loader(info.context).load(area_id)
    return AreaType.from_model(area) if area else None


@strawberry.type(name="PersonPresence", description="Where a person is now by positioning.")
class PresenceType:
    model: strawberry.Private[PersonPosition]
    since: datetime = strawberry.field(description="In this area since.")
    last_seen_at: datetime
    underground_since: datetime | None
    overtime: bool = strawberry.field(description="超时: an overtime alert is open.")
    lost_contact: bool = strawberry.field(description="The tag went silent underground (an alert is open).")
    tag_code: str

    @classmethod
    def from_model(cls, position: PersonPosition) -> PresenceType:
        return cls(model=position, since=position.since, last_seen_at=position.last_seen_at,
                   underground_since=position.underground_since, overtime=position.overtime_alerted,
                   lost_contact=position.silent_alerted, tag_code=position.tag_code)

    @strawberry.field
    async def person(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.user_id)

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType | None:
        return await _area(info, self.model.area_id)


@strawberry.type(name="AreaOccupancy", description="Who is in an area now, against its limit (定员).")
class OccupancyType:
    area: AreaType
    count: int
    limit: int | None
    over_limit: bool
    people: list[PresenceType]

    @classmethod
    def build(cls, area: Area, people: list[PersonPosition]) -> OccupancyType:
        count = len(people)
        return cls(area=AreaType.from_model(area), count=count, limit=area.person_limit,
                   over_limit=area.person_limit is not None and count > area.person_limit,
                   people=[PresenceType.from_model(p) for p in people])


@strawberry.type(name="PositionStay", description="A person in an area from enteredAt to leftAt (null: still there).")
class StayType:
    model: strawberry.Private[Stay]
    entered_at: datetime
    left_at: datetime | None

    @classmethod
    def from_model(cls, stay: Stay) -> StayType:
        return cls(model=stay, entered_at=stay.entered_at, left_at=stay.left_at)

    @strawberry.field
    async def person(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.user_id)

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType | None:
        return await _area(info, self.model.area_id)


@strawberry.type(name="TagIssue", description="A positioning tag issued to a person (returnedAt: given back).")
class TagIssueType:
    model: strawberry.Private[TagIssue]
    tag_code: str
    issued_at: datetime
    returned_at: datetime | None

    @classmethod
    def from_model(cls, issue: TagIssue) -> TagIssueType:
        return cls(model=issue, tag_code=issue.tag_code, issued_at=issue.issued_at, returned_at=issue.returned_at)

    @strawberry.field
    async def person(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.user_id)


@strawberry.type(name="PositionReader", description="A card reader / UWB anchor in an area.")
class ReaderType:
    model: strawberry.Private[Reader]
    id: strawberry.ID
    code: str

    @classmethod
    def from_model(cls, reader: Reader) -> ReaderType:
        return cls(model=reader, id=strawberry.ID(str(reader.id)), code=reader.code)

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType | None:
        return await _area(info, self.model.area_id)


@strawberry.type(name="FlaggedSighting", description="A sighting not trusted (a jump faster than possible).")
class FlaggedSightingType:
    model: strawberry.Private[FlaggedSighting]
    tag_code: str
    reader_code: str
    ts: datetime
    reason: str
    detail: str

    @classmethod
    def from_model(cls, flag: FlaggedSighting) -> FlaggedSightingType:
        return cls(model=flag, tag_code=flag.tag_code, reader_code=flag.reader_code, ts=flag.ts,
                   reason=flag.reason.value, detail=flag.detail)

    @strawberry.field
    async def person(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.user_id)

    @strawberry.field
    async def from_area(self, info: Info[Context, None]) -> AreaType | None:
        return await _area(info, self.model.from_area_id)

    @strawberry.field
    async def to_area(self, info: Info[Context, None]) -> AreaType | None:
        return await _area(info, self.model.to_area_id)


@strawberry.type(name="Evacuee", description="A person on an evacuation list.")
class EvacueeType:
    model: strawberry.Private[EvacuationMember]
    last_seen_at: datetime
    safe: bool = strawberry.field(description="Reached a safe area (the surface or one marked safe).")
    safe_at: datetime | None

    @classmethod
    def from_model(cls, member: EvacuationMember) -> EvacueeType:
        return cls(model=member, last_seen_at=member.last_seen_at, safe=member.safe_at is not None,
                   safe_at=member.safe_at)

    @strawberry.field
    async def person(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.user_id)

    @strawberry.field(description="Where they were when the alert was raised.")
    async def start_area(self, info: Info[Context, None]) -> AreaType | None:
        return await _area(info, self.model.start_area_id)

    @strawberry.field(description="Where they were last seen.")
    async def last_area(self, info: Info[Context, None]) -> AreaType | None:
        return await _area(info, self.model.last_area_id)


@strawberry.type(name="Evacuation", description="An alarm's or power cut's evacuation list: the people in the "
                                                "affected areas when it was raised, followed out.")
class EvacuationType:
    model: strawberry.Private[Evacuation]
    id: strawberry.ID
    alert_id: strawberry.ID
    started_at: datetime
    total: int
    safe: int
    remaining: int
    people: list[EvacueeType] = strawberry.field(description="Those not yet safe first.")

    @classmethod
    def build(cls, evacuation: Evacuation, members: list[EvacuationMember]) -> EvacuationType:
        safe = sum(1 for m in members if m.safe_at is not None)
        return cls(model=evacuation, id=strawberry.ID(str(evacuation.id)),
                   alert_id=strawberry.ID(str(evacuation.alert_id)), started_at=evacuation.started_at,
                   total=len(members), safe=safe, remaining=len(members) - safe,
                   people=[EvacueeType.from_model(m) for m in members])

    @strawberry.field(description="The affected areas: the alarm's area and those it affects.")
    async def areas(self, info: Info[Context, None]) -> list[AreaType]:
        found = [await _area(info, uuid.UUID(a)) for a in self.model.area_ids]
        return [a for a in found if a is not None]


@strawberry.type(name="SightingBatchAccepted")
class SightingBatchAcceptedType:
    batch_id: str
    bridge_seq: int
    duplicate: bool = strawberry.field(description="This batch id was stored before: nothing was applied twice.")
    stored: int
    rejected: int
    flagged: int
    moves: int
    rejected_by_reason: list[str] = strawberry.field(description="REASON=count, e.g. IN_THE_FUTURE=2")


@strawberry.input
class SightingInput:
    tag_code: str
    reader_code: str
    ts: datetime
    drill_id: str | None = strawberry.field(default=None, description="a drill's sighting (the drill's code): its "
                                            "simulated person in the drill's positioning, never a real position")


@strawberry.input
class SightingBatchInput:
    batch_id: str = strawberry.field(description="unique per batch of this bridge; a replay answers duplicate = true")
    bridge_seq: int
    sightings: list[SightingInput]


@strawberry.input
class IssueTagInput:
    tag_code: str
    user_id: strawberry.ID


@strawberry.input
class SaveReaderInput:
    code: str
    area_id: strawberry.ID


@strawberry.input
class SetAreaPositioningInput:
    area_id: strawberry.ID
    person_limit: int | None = None
    restricted: bool = False
    safe: bool = False


@strawberry.input
class PositioningSettingsInput:
    shift_hours: float | None = None
    silence_minutes: float | None = None
    max_speed_m_s: float | None = None
    metres_per_map_unit: float | None = None


@strawberry.type(name="PositioningSettings")
class PositioningSettingsType:
    shift_hours: float
    silence_minutes: float
    max_speed_m_s: float
    metres_per_map_unit: float


IngestSightingBatchResult = Annotated[SightingBatchAcceptedType | NotAllowedType | ValidationFailedType,
                                      strawberry.union("IngestSightingBatchResult")]
TagIssueResult = Annotated[
    TagIssueType | NotAllowedType | NotFoundType | ValidationFailedType, strawberry.union("TagIssueResult")]
ReaderResult = Annotated[
    ReaderType | NotAllowedType | ValidationFailedType, strawberry.union("ReaderResult")]
AreaPositioningResult = Annotated[
    AreaType | NotAllowedType | ValidationFailedType, strawberry.union("AreaPositioningResult")]
PositioningSettingsResult = Annotated[PositioningSettingsType | NotAllowedType | ValidationFailedType,
                                      strawberry.union("PositioningSettingsResult")]
