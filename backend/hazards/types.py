"""GraphQL types of the hazard loop."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.hazards import loaders
from backend.hazards.events import HazardEventKind
from backend.hazards.models import Hazard, HazardPhoto, PhotoStage
from backend.hazards.rules import (
    HazardGrade,
    HazardLevel,
    HazardSource,
    HazardState,
    escalation_steps,
    is_overdue,
)
from backend.org.types import AreaType
from backend.storage.service import download_url

HazardStateType = strawberry.enum(HazardState, name="HazardState")
HazardGradeType = strawberry.enum(HazardGrade, name="HazardGrade")
HazardLevelType = strawberry.enum(HazardLevel, name="HazardLevel")
HazardSourceType = strawberry.enum(HazardSource, name="HazardSource")
HazardEventKindType = strawberry.enum(HazardEventKind, name="HazardEventKind")


@strawberry.type(name="Photo")
class PhotoType:
    photo: strawberry.Private[HazardPhoto]
    key: str
    width: int
    height: int

    @strawberry.field(description="A signed URL to the re-encoded photo, valid for an hour.")
    async def url(self, info: Info[Context, None]) -> str:
        return await download_url(store=info.context.store, settings=info.context.settings, key=self.photo.key)

    @strawberry.field(description="A signed URL to the thumbnail, valid for an hour.")
    async def thumbnail_url(self, info: Info[Context, None]) -> str:
        ctx = info.context
        return await download_url(store=ctx.store, settings=ctx.settings, key=self.photo.thumbnail_key)

    @classmethod
    def from_model(cls, photo: HazardPhoto) -> PhotoType:
        return cls(photo=photo, key=photo.key, width=photo.width, height=photo.height)


@strawberry.type(name="Hazard")
class HazardType:
    model: strawberry.Private[Hazard]
    id: strawberry.ID
    state: HazardStateType  # type: ignore[valid-type]
    source: HazardSourceType  # type: ignore[valid-type]
    source_ref: str | None
    description: str
    location: str | None
    suggested_grade: HazardGradeType | None  # type: ignore[valid-type]
    grade: HazardGradeType | None  # type: ignore[valid-type]
    level: HazardLevelType | None  # type: ignore[valid-type]
    reporter_name: str
    deadline: datetime | None
    control_measures: str | None
    treatment_plan: JSON | None
    rectification_note: str | None
    dismissed_reason: str | None
    reinspection_passed: bool
    signed_off: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_model(cls, hazard: Hazard) -> HazardType:
        return cls(
            model=hazard, id=strawberry.ID(str(hazard.id)), state=hazard.state, source=hazard.source,
            source_ref=hazard.source_ref, description=hazard.description, location=hazard.location,
            suggested_grade=hazard.suggested_grade, grade=hazard.grade, level=hazard.level,
            reporter_name=hazard.reporter_name, deadline=hazard.deadline, control_measures=hazard.control_measures,
            treatment_plan=hazard.treatment_plan, rectification_note=hazard.rectification_note,
            dismissed_reason=hazard.dismissed_reason, reinspection_passed=hazard.reinspection_passed_at is not None,
            signed_off=hazard.signed_off_at is not None, created_at=hazard.created_at,
            updated_at=hazard.updated_at, closed_at=hazard.closed_at,
        )

    @strawberry.field
    def is_overdue(self) -> bool:
        return is_overdue(self.model.state, self.model.deadline, utcnow())

    @strawberry.field(description="Steps up the responsibility chain an overdue hazard has climbed (0 = on time).")
    def escalation_level(self) -> int:
        m = self.model
        return escalation_steps(m.state, m.assigned_at, m.deadline, utcnow())

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType:
        area = await loaders.areas(info.context).load(self.model.area_id)
        return AreaType.from_model(area)

    @strawberry.field(description="The reporting person (null when a robot, camera or sensor reported).")
    async def reporter(self, info: Info[Context, None]) -> PersonType | None:
        user = await loaders.users(info.context).load(self.model.reporter_id)
        return PersonType.from_model(user) if user else None

    @strawberry.field
    async def responsible(self, info: Info[Context, None]) -> PersonType | None:
        if self.model.responsible_id is None:
            return None
        user = await loaders.users(info.context).load(self.model.responsible_id)
        return PersonType.from_model(user) if user else None

    @strawberry.field(description="Who an overdue hazard is escalated to: team leader, area manager, mine manager.")
    async def escalated_to(self, info: Info[Context, None]) -> PersonType | None:
        steps = self.escalation_level()
        if steps == 0:
            return None
        ctx = info.context
        chain = []
        if self.model.team_id is not None:
            team = await loaders.teams(ctx).load(self.model.team_id)
            if team is not None and team.leader_id and team.leader_id != self.model.responsible_id:
                chain.append(team.leader_id)
        area = await loaders.areas(ctx).load(self.model.area_id)
        if area is not None and area.manager_id:
            chain.append(area.manager_id)
        manager = await loaders.mine_managers(ctx).load(self.model.mine_id)
        if manager is not None:
            chain.append(manager.id)
        if not chain:
            return None
        person = await loaders.users(ctx).load(chain[min(steps, len(chain)) - 1])
        return PersonType.from_model(person) if person else None

    @strawberry.field
    async def photos(self, info: Info[Context, None]) -> list[PhotoType]:
        found = await loaders.photos(info.context).load((self.model.id, PhotoStage.REPORT))
        return [PhotoType.from_model(p) for p in found]

    @strawberry.field(description="After-photos submitted as rectification evidence.")
    async def rectification_photos(self, info: Info[Context, None]) -> list[PhotoType]:
        found = await loaders.photos(info.context).load((self.model.id, PhotoStage.RECTIFICATION))
        return [PhotoType.from_model(p) for p in found]


@strawberry.type(name="PhotoRejected", description="A photo was refused; nothing was saved.")
class PhotoRejectedType:
    message: str
    key: str
    reason: str


@strawberry.type
class HazardEdge:
    cursor: str
    node: HazardType


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class HazardConnection:
    edges: list[HazardEdge]
    page_info: PageInfo


@strawberry.type
class HazardEventType:
    kind: HazardEventKindType  # type: ignore[valid-type]
    hazard: HazardType


@strawberry.input
class HazardFilterInput:
    states: list[HazardStateType] | None = None  # type: ignore[valid-type]
    grade: HazardGradeType | None = None  # type: ignore[valid-type]
    area_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = None
    reporter_id: strawberry.ID | None = None
    source: HazardSourceType | None = None  # type: ignore[valid-type]
    overdue: bool | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    assigned_to_me: bool = strawberry.field(default=False, description="only hazards the caller is responsible for")


@strawberry.input
class ReportHazardInput:
    client_id: strawberry.ID = strawberry.field(description="a UUID made by the client; retries reuse it")
    area_id: strawberry.ID
    description: str
    photo_keys: list[str]
    location: str | None = None
    suggested_grade: HazardGradeType | None = None  # type: ignore[valid-type]


@strawberry.input
class TriageHazardInput:
    hazard_id: strawberry.ID
    grade: HazardGradeType  # type: ignore[valid-type]
    responsible_id: strawberry.ID
    level: HazardLevelType | None = None  # type: ignore[valid-type]
    team_id: strawberry.ID | None = None
    deadline: datetime | None = strawberry.field(default=None, description="defaults from the level")
    control_measures: str | None = None
    treatment_plan: JSON | None = strawberry.field(
        default=None, description="major hazards: measures, responsible_people, funds, deadline, contingency_plan")


@strawberry.input
class SubmitRectificationInput:
    hazard_id: strawberry.ID
    client_id: strawberry.ID = strawberry.field(description="a UUID for this submission; retries reuse it")
    note: str
    photo_keys: list[str]


@strawberry.input
class ReinspectHazardInput:
    hazard_id: strawberry.ID
    passed: bool
    reason: str | None = None


@strawberry.input
class ReassignHazardInput:
    hazard_id: strawberry.ID
    responsible_id: strawberry.ID
    reason: str
    team_id: strawberry.ID | None = None
    deadline: datetime | None = None


ReportHazardResult = Annotated[HazardType | PhotoRejectedType | NotAllowed | ValidationFailed,
                               strawberry.union("ReportHazardResult")]
HazardResult = Annotated[HazardType | InvalidTransition | NotAllowed | NotFound | ValidationFailed,
                         strawberry.union("HazardResult")]
RectificationResult = Annotated[
    HazardType | PhotoRejectedType | InvalidTransition | NotAllowed | NotFound | ValidationFailed,
    strawberry.union("RectificationResult")]
