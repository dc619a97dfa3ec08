"""GraphQL types of the hazard loop."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from backend.accounts import service as accounts_service
from backend.accounts.types import PersonType
from backend.config import Settings
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import (
    InvalidTransitionType,
    NotAllowedType,
    NotFoundType,
    ValidationFailedType,
    register_member,
)
from backend.hazards import loaders, service
from backend.hazards.events import HazardEventKind
from backend.hazards.flows import PhotoRejected
from backend.hazards.models import Hazard, HazardCategory, HazardPhoto, PhotoStage
from backend.hazards.permissions import allowed_steps, triage_levels
from backend.hazards.rules import HazardStep, category_name, escalation_steps, in_language, is_overdue
from backend.org import service as org_service
from backend.org.types import AreaType
from backend.storage.base import ObjectStore
from backend.storage.service import download_url
from contracts.hazards import HazardGrade, HazardLevel, HazardSource, HazardState

HazardStateType = strawberry.enum(HazardState, name="HazardState")
HazardGradeType = strawberry.enum(HazardGrade, name="HazardGrade")
HazardLevelType = strawberry.enum(HazardLevel, name="HazardLevel")
HazardSourceType = strawberry.enum(HazardSource, name="HazardSource")
HazardEventKindType = strawberry.enum(HazardEventKind, name="HazardEventKind")
HazardStepType = strawberry.enum(HazardStep, name="HazardStep",
                                 description="A step of the hazard loop a person may take (Hazard.allowedSteps).")


@strawberry.type(name="HazardCategory", description="A kind of hazard of the mine, with quick phrases to tap.")
class HazardCategoryType:
    model: strawberry.Private[HazardCategory]
    id: strawberry.ID
    code: str
    suggested_grade: HazardGradeType | None  # type: ignore[valid-type]

    @strawberry.field(description="The name in the language asked (zh, en), else the mine's own.")
    def name(self, language: str | None = None) -> str:
        return category_name(self.model, language)

    @strawberry.field(description="Phrases a reporter taps instead of typing, in the language asked.")
    def phrases(self, language: str | None = None) -> list[str]:
        return [text for text in (in_language(p, language) for p in self.model.phrases or []
                                  if isinstance(p, dict)) if text]

    @classmethod
    def from_model(cls, category: HazardCategory) -> HazardCategoryType:
        return cls(model=category, id=strawberry.ID(str(category.id)), code=category.code,
                   suggested_grade=category.suggested_grade)


@strawberry.type(name="Photo")
class PhotoType:
    photo: strawberry.Private[HazardPhoto]
    key: str
    width: int
    height: int
    # signed when the photo is read (two local HMACs), so that a page's photos resolve without awaiting
    url: str = strawberry.field(description="A signed URL to the re-encoded photo, valid for an hour.")
    thumbnail_url: str = strawberry.field(description="A signed URL to the thumbnail, valid for an hour.")

    @classmethod
    async def from_model(cls, photo: HazardPhoto, *, store: ObjectStore, settings: Settings) -> PhotoType:
        return cls(photo=photo, key=photo.key, width=photo.width, height=photo.height,
                   url=await download_url(store=store, settings=settings, key=photo.key),
                   thumbnail_url=await download_url(store=store, settings=settings, key=photo.thumbnail_key))


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
    observed_at: datetime | None = strawberry.field(description="When the reporter saw it (the device's clock).")
    is_overdue: bool
    escalation_level: int = strawberry.field(
        description="Steps up the responsibility chain an overdue hazard has climbed (0 = on time).")
    # a page's reporter, responsible, area and photos, fetched for the whole page (see prefetch_page)
    resolved_ahead: strawberry.Private[dict[str, Any] | None] = None

    @classmethod
    def from_model(cls, hazard: Hazard) -> HazardType:
        now = utcnow()
        return cls(
            model=hazard, id=strawberry.ID(str(hazard.id)), state=hazard.state, source=hazard.source,
            source_ref=hazard.source_ref, description=hazard.description, location=hazard.location,
            suggested_grade=hazard.suggested_grade, grade=hazard.grade, level=hazard.level,
            reporter_name=hazard.reporter_name, deadline=hazard.deadline, control_measures=hazard.control_measures,
            treatment_plan=hazard.treatment_plan, rectification_note=hazard.rectification_note,
            dismissed_reason=hazard.dismissed_reason, reinspection_passed=hazard.reinspection_passed_at is not None,
            signed_off=hazard.signed_off_at is not None, created_at=hazard.created_at,
            updated_at=hazard.updated_at, closed_at=hazard.closed_at, observed_at=hazard.observed_at,
            is_overdue=is_overdue(hazard.state, hazard.deadline, now),
            escalation_level=escalation_steps(hazard.state, hazard.assigned_at, hazard.deadline, now),
        )

    @strawberry.field(description="Opened in a drill (from a drill alert): never counted in KPIs.")
    def is_drill(self) -> bool:
        return self.model.drill_id is not None

    @strawberry.field(description="The steps the caller may take on this hazard now (the mutations' own checks).")
    def allowed_steps(self, info: Info[Context, None]) -> list[HazardStepType]:  # type: ignore[valid-type]
        principal = info.context.principal
        return allowed_steps(principal, self.model) if principal is not None else []

    @strawberry.field(description="The levels the caller may triage this hazard at (empty: not theirs to triage).")
    def triage_levels(self, info: Info[Context, None]) -> list[HazardLevelType]:  # type: ignore[valid-type]
        principal = info.context.principal
        if principal is None or HazardStep.TRIAGE not in allowed_steps(principal, self.model):
            return []
        return [level for level in triage_levels(principal, self.model) if level is not None]

    @strawberry.field(description="Whether the caller may triage this hazard as a major hazard.")
    def may_triage_major(self, info: Info[Context, None]) -> bool:
        principal = info.context.principal
        return (principal is not None and HazardStep.TRIAGE in allowed_steps(principal, self.model)
                and None in triage_levels(principal, self.model))

    @strawberry.field(description="The category the reporter chose (null when none).")
    async def category(self, info: Info[Context, None]) -> HazardCategoryType | None:
        if self.model.category_id is None:
            return None
        found = await loaders.categories(info.context).load(self.model.category_id)
        return HazardCategoryType.from_model(found) if found else None

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType:
        return AreaType.from_model(await loaders.areas(info.context).load(self.model.area_id))

    @strawberry.field(description="The reporting person (null when a robot, camera or sensor reported).")
    async def reporter(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, self.model.reporter_id)

    @strawberry.field
    async def responsible(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info.context, self.model.responsible_id)

    @strawberry.field(description="Who an overdue hazard is escalated to: team leader, area manager, mine manager.")
    async def escalated_to(self, info: Info[Context, None]) -> PersonType | None:
        steps = self.escalation_level
        if steps == 0:
            return None
        ctx = info.context
        chain = await _list_chain(ctx, self.model)
        if chain:  # the responsibility lists in force name the steps upward; the mine managers come last
            manager = await loaders.mine_managers(ctx).load(self.model.mine_id)
            chain += [manager.id] if manager is not None and manager.id not in chain else []
            person = await loaders.users(ctx).load(chain[min(steps, len(chain)) - 1])
            return PersonType.from_model(person) if person else None
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
        return await _photos(info.context, self.model.id, PhotoStage.REPORT)

    @strawberry.field(description="After-photos submitted as rectification evidence.")
    async def rectification_photos(self, info: Info[Context, None]) -> list[PhotoType]:
        return await _photos(info.context, self.model.id, PhotoStage.RECTIFICATION)


async def _person(ctx: Context, user_id: uuid.UUID | None) -> PersonType | None:
    user = await loaders.users(ctx).load(user_id) if user_id is not None else None
    return PersonType.from_model(user) if user else None


async def _photos(ctx: Context, hazard_id: uuid.UUID, stage: PhotoStage) -> list[PhotoType]:
    return [await PhotoType.from_model(p, store=ctx.store, settings=ctx.settings)
            for p in await loaders.photos(ctx).load((hazard_id, stage))]


async def prefetch_page(ctx: Context, hazards: Sequence[Hazard], wanted: set[str]) -> list[dict[str, Any]]:
    """The nested fields `wanted` asks for (GraphQL names under `node`) of a whole page, fetched at once — one
    statement each on the request's session, before any nested field resolves (so nothing else uses it): per
    hazard, in order, the values by python field name, for `HazardType.resolved_ahead`."""
    ahead: list[dict[str, Any]] = [{} for _ in hazards]
    if not hazards:
        return ahead
    session = ctx.session
    people_fields = [name for name in ("reporter", "responsible") if name in wanted]
    people_ids = sorted({user_id for h in hazards for name in people_fields
                         if (user_id := getattr(h, f"{name}_id")) is not None})
    if people_ids:
        users = dict(zip(people_ids, await accounts_service.get_many(session=session, user_ids=people_ids),
                         strict=True))
        people = {user_id: PersonType.from_model(user) if user else None for user_id, user in users.items()}
        for values, hazard in zip(ahead, hazards, strict=True):
            for name in people_fields:
                user_id = getattr(hazard, f"{name}_id")
                values[name] = people[user_id] if user_id is not None else None
    if "area" in wanted:
        area_ids = sorted({h.area_id for h in hazards})
        areas = {area.id: AreaType.from_model(area)
                 for area in await org_service.areas_by_ids(session, area_ids) if area is not None}
        for values, hazard in zip(ahead, hazards, strict=True):
            if hazard.area_id in areas:
                values["area"] = areas[hazard.area_id]
    stages = [(stage, name) for stage, graphql_name, name in (
        (PhotoStage.REPORT, "photos", "photos"),
        (PhotoStage.RECTIFICATION, "rectificationPhotos", "rectification_photos")) if graphql_name in wanted]
    if stages:
        keys = [(h.id, stage) for h in hazards for stage, _ in stages]
        found = dict(zip(keys, await service.photos_by_hazard(session, keys), strict=True))
        for values, hazard in zip(ahead, hazards, strict=True):
            for stage, name in stages:
                values[name] = [await PhotoType.from_model(p, store=ctx.store, settings=ctx.settings)
                                for p in found[(hazard.id, stage)]]
    return ahead


@strawberry.type(name="PhotoRejected", description="A photo was refused; nothing was saved.")
class PhotoRejectedType:
    message: str
    key: str
    reason: str


register_member(PhotoRejected, lambda error: PhotoRejectedType(message=error.message, key=error.key,
                                                                reason=error.reason))


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


@strawberry.type(description="How many hazards wait for the caller, by queue.")
class HazardQueueCounts:
    to_triage: int = strawberry.field(description="reported hazards the caller may triage")
    to_reinspect: int = strawberry.field(description="rectified hazards the caller may re-inspect")
    to_sign_off: int = strawberry.field(description="major hazards waiting for the caller's sign-off")
    assigned_to_me: int = strawberry.field(description="open hazards the caller is responsible for")
    overdue: int = strawberry.field(description="open hazards past their deadline that the caller can act on")
    my_open_reports: int = strawberry.field(description="the caller's own reports not yet closed or dismissed")


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
    text: str | None = strawberry.field(default=None, description="words in the description, place or reporter")
    category_id: strawberry.ID | None = None
    reported_by_me: bool = strawberry.field(default=False, description="only the caller's own reports")


@strawberry.input
class ReportHazardInput:
    client_id: strawberry.ID = strawberry.field(description="a UUID made by the client; retries reuse it")
    area_id: strawberry.ID
    photo_keys: list[str]
    description: str | None = strawberry.field(default=None, description="optional when a category is chosen")
    location: str | None = None
    suggested_grade: HazardGradeType | None = None  # type: ignore[valid-type]
    category_id: strawberry.ID | None = strawberry.field(default=None, description="one of hazardCategories")
    observed_at: datetime | None = strawberry.field(
        default=None, description="when the reporter saw it (a report queued offline arrives later); not ahead")


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


ReportHazardResult = Annotated[HazardType | PhotoRejectedType | NotAllowedType | ValidationFailedType,
                               strawberry.union("ReportHazardResult")]
HazardResult = Annotated[HazardType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
                         strawberry.union("HazardResult")]
RectificationResult = Annotated[
    HazardType | PhotoRejectedType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("RectificationResult")]


async def _list_chain(ctx: Context, hazard: Hazard) -> list[uuid.UUID]:
    """One person a step up the responsibility lists in force now (the area's, then its districts'), without
    the responsible person themself; empty where no list answers for the hazard's area."""
    from backend.responsibility import loaders as responsibility_loaders

    steps = await responsibility_loaders.chains_now(ctx).load((
        hazard.mine_id, hazard.area_id, hazard.grade.value if hazard.grade else None,
        hazard.level.value if hazard.level else None))
    chain: list[uuid.UUID] = []
    for step in steps:
        person = next((r.user_id for r in step if r.user_id != hazard.responsible_id and r.user_id not in chain),
                      None)
        if person is not None:
            chain.append(person)
    return chain
