"""Hazard queries, the loop's mutations and the hazardEvents subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from backend.accounts.roles import Role
from backend.database.base import utcnow
from backend.errors import NotAllowed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.hazards import flows, service
from backend.hazards.events import HazardEvent, channel_for
from backend.hazards.permissions import allowed_steps
from backend.hazards.rules import OPEN_STATES, HazardStep, is_overdue
from backend.hazards.types import (
    HazardCategoryType,
    HazardConnection,
    HazardEdge,
    HazardEventType,
    HazardFilterInput,
    HazardQueueCounts,
    HazardResult,
    HazardType,
    PageInfo,
    ReassignHazardInput,
    RectificationResult,
    ReinspectHazardInput,
    ReportHazardInput,
    ReportHazardResult,
    SubmitRectificationInput,
    TriageHazardInput,
    prefetch_page,
)
from backend.validation import clean_text

PEOPLE_ROLES = tuple(r for r in Role if r is not Role.DEVICE)
MAX_SEARCH = 100


def _storage(ctx: Context) -> flows.PhotoStorage:
    return flows.PhotoStorage(store=ctx.store, settings=ctx.settings)


def _criteria(ctx: Context, where: HazardFilterInput | None) -> service.HazardFilter:
    where = where or HazardFilterInput()
    principal = ctx.authenticated()
    responsible = principal.id if where.assigned_to_me else parse_optional_id(where.assignee_id, "assigneeId")
    reporter = principal.id if where.reported_by_me else parse_optional_id(where.reporter_id, "reporterId")
    text = clean_text(where.text, "text", limit=MAX_SEARCH, multiline=False) if where.text else None
    return service.HazardFilter(
        states=tuple(where.states or ()), grade=where.grade, area_id=parse_optional_id(where.area_id, "areaId"),
        responsible_id=responsible, reporter_id=reporter,
        source=where.source, overdue=where.overdue, reported_from=where.reported_from,
        reported_to=where.reported_to, text=text or None,
        category_id=parse_optional_id(where.category_id, "categoryId"),
    )


def _fields(selections: list[Selection]) -> list[SelectedField]:
    """The fields of a selection set, fragments spread in."""
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        else:
            found.extend(_fields(selection.selections))
    return found


def _node_fields(info: Info[Context, None]) -> set[str]:
    """The fields asked for under `edges { node { … } }`."""
    wanted: set[str] = set()
    for edges in (f for top in _fields(info.selected_fields) for f in _fields(top.selections) if f.name == "edges"):
        for node in (f for f in _fields(edges.selections) if f.name == "node"):
            wanted.update(field.name for field in _fields(node.selections))
    return wanted


@strawberry.type
class Query:
    @strawberry.field(description="Hazards of the caller's mine, newest first, by cursor.")
    async def hazards(self, info: Info[Context, None], where: HazardFilterInput | None = None, first: int = 20,
                      after: str | None = None) -> HazardConnection:
        ctx = info.context
        principal = ctx.person()
        page = await service.list_page(session=ctx.session, mine_id=principal.mine_id,
                                       criteria=_criteria(ctx, where), first=first, after=after)
        ahead = await prefetch_page(ctx, page.hazards, _node_fields(info))
        edges = []
        for h, values in zip(page.hazards, ahead, strict=True):
            node = HazardType.from_model(h)
            node.resolved_ahead = values
            edges.append(HazardEdge(cursor=service.encode_cursor(h), node=node))
        return HazardConnection(edges=edges,
                                page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor))

    @strawberry.field(description="The hazard categories of the caller's mine, with their quick phrases.")
    async def hazard_categories(self, info: Info[Context, None]) -> list[HazardCategoryType]:
        ctx = info.context
        principal = ctx.authenticated()
        return [HazardCategoryType.from_model(c)
                for c in await service.categories(session=ctx.session, mine_id=principal.mine_id)]

    @strawberry.field(description="How many hazards wait for the caller: to triage, re-inspect, sign off, do.")
    async def hazard_queue_counts(self, info: Info[Context, None]) -> HazardQueueCounts:
        ctx = info.context
        principal = ctx.person()
        found = await service.open_in_states(session=ctx.session, mine_id=principal.mine_id,
                                             states=tuple(OPEN_STATES))
        now = utcnow()
        counts = dict.fromkeys(("to_triage", "to_reinspect", "to_sign_off", "assigned_to_me", "overdue",
                                "my_open_reports"), 0)
        for hazard in found:
            steps = set(allowed_steps(principal, hazard))
            mine = hazard.responsible_id == principal.id
            counts["to_triage"] += HazardStep.TRIAGE in steps
            counts["to_reinspect"] += HazardStep.REINSPECT_PASS in steps or HazardStep.REINSPECT_FAIL in steps
            counts["to_sign_off"] += HazardStep.SIGN_OFF in steps
            counts["assigned_to_me"] += mine
            counts["my_open_reports"] += hazard.reporter_id == principal.id
            counts["overdue"] += is_overdue(hazard.state, hazard.deadline, now) and (mine or bool(steps))
        return HazardQueueCounts(**counts)

    @strawberry.field
    async def hazard(self, info: Info[Context, None], id: strawberry.ID) -> HazardType | None:
        ctx = info.context
        principal = ctx.person()
        hazard = await service.get(session=ctx.session, hazard_id=parse_id(id, "id"))
        if hazard is None or hazard.mine_id != principal.mine_id:
            return None
        return HazardType.from_model(hazard)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Report a hazard with photos; retrying the same clientId never duplicates.")
    @returns_domain_errors
    async def report_hazard(self, info: Info[Context, None], input: ReportHazardInput) -> ReportHazardResult:
        ctx = info.context
        actor = ctx.authenticated()
        for attempt in range(2):
            try:
                hazard, originals = await flows.report(
                    ctx.session, storage=_storage(ctx), actor=actor, client_id=parse_id(input.client_id, "clientId"),
                    area_id=parse_id(input.area_id, "areaId"), description=input.description,
                    location=input.location, suggested_grade=input.suggested_grade, photo_keys=input.photo_keys,
                    category_id=parse_optional_id(input.category_id, "categoryId"), observed_at=input.observed_at)
                await ctx.commit()
                break
            except IntegrityError:
                # a retry of this report committed first: once rolled back, the next attempt returns it
                await ctx.rollback()
                if attempt:
                    raise
        await flows.delete_originals(ctx.store, originals)
        return HazardType.from_model(hazard)

    @strawberry.mutation(description="Confirm grade and level, name the responsible person, set the deadline.")
    @returns_domain_errors
    async def triage_hazard(self, info: Info[Context, None], input: TriageHazardInput) -> HazardResult:
        ctx = info.context
        actor = ctx.require(*PEOPLE_ROLES)
        hazard = await flows.triage(
            ctx.session, actor=actor, hazard_id=parse_id(input.hazard_id, "hazardId"), grade=input.grade,
            level=input.level, responsible_id=parse_id(input.responsible_id, "responsibleId"),
            team_id=parse_optional_id(input.team_id, "teamId"), deadline=input.deadline,
            control_measures=input.control_measures,
            treatment_plan=input.treatment_plan if isinstance(input.treatment_plan, dict) else None)
        await ctx.commit()
        return HazardType.from_model(hazard)

    @strawberry.mutation(description="The responsible person takes the hazard on.")
    @returns_domain_errors
    async def accept_hazard(self, info: Info[Context, None], hazard_id: strawberry.ID) -> HazardResult:
        ctx = info.context
        actor = ctx.require(*PEOPLE_ROLES)
        hazard = await flows.accept(ctx.session, actor=actor, hazard_id=parse_id(hazard_id, "hazardId"))
        await ctx.commit()
        return HazardType.from_model(hazard)

    @strawberry.mutation(description="Submit the rectification with after-photos; retries reuse clientId.")
    @returns_domain_errors
    async def submit_rectification(self, info: Info[Context, None],
                                   input: SubmitRectificationInput) -> RectificationResult:
        ctx = info.context
        actor = ctx.require(*PEOPLE_ROLES)
        hazard, originals = await flows.submit_rectification(
            ctx.session, storage=_storage(ctx), actor=actor, hazard_id=parse_id(input.hazard_id, "hazardId"),
            submission_id=parse_id(input.client_id, "clientId"), note=input.note, photo_keys=input.photo_keys)
        await ctx.commit()
        await flows.delete_originals(ctx.store, originals)
        return HazardType.from_model(hazard)

    @strawberry.mutation(description="Re-inspection: pass closes (major: after sign-off), fail needs a reason.")
    @returns_domain_errors
    async def reinspect_hazard(self, info: Info[Context, None], input: ReinspectHazardInput) -> HazardResult:
        ctx = info.context
        actor = ctx.require(*PEOPLE_ROLES)
        hazard = await flows.reinspect(ctx.session, actor=actor, hazard_id=parse_id(input.hazard_id, "hazardId"),
                                       passed=input.passed, reason=input.reason)
        await ctx.commit()
        return HazardType.from_model(hazard)

    @strawberry.mutation(description="Not a hazard: close the report with a reason.")
    @returns_domain_errors
    async def dismiss_hazard(self, info: Info[Context, None], hazard_id: strawberry.ID, reason: str) -> HazardResult:
        ctx = info.context
        actor = ctx.require(*PEOPLE_ROLES)
        hazard = await flows.dismiss(ctx.session, actor=actor, hazard_id=parse_id(hazard_id, "hazardId"),
                                     reason=reason)
        await ctx.commit()
        return HazardType.from_model(hazard)

    @strawberry.mutation(description="Hand the hazard to another responsible person.")
    @returns_domain_errors
    async def reassign_hazard(self, info: Info[Context, None], input: ReassignHazardInput) -> HazardResult:
        ctx = info.context
        actor = ctx.require(*PEOPLE_ROLES)
        hazard = await flows.reassign(
            ctx.session, actor=actor, hazard_id=parse_id(input.hazard_id, "hazardId"),
            responsible_id=parse_id(input.responsible_id, "responsibleId"),
            team_id=parse_optional_id(input.team_id, "teamId"), deadline=input.deadline, reason=input.reason)
        await ctx.commit()
        return HazardType.from_model(hazard)

    @strawberry.mutation(description="The mine manager's sign-off that a major hazard may close.")
    @returns_domain_errors
    async def sign_off_major_hazard(self, info: Info[Context, None], hazard_id: strawberry.ID,
                                    note: str | None = None) -> HazardResult:
        ctx = info.context
        actor = ctx.require(*PEOPLE_ROLES)
        hazard = await flows.sign_off_major(ctx.session, actor=actor, hazard_id=parse_id(hazard_id, "hazardId"),
                                            note=note)
        await ctx.commit()
        return HazardType.from_model(hazard)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Live changes to the caller's mine's hazards, by area and assignee.")
    async def hazard_events(self, info: Info[Context, None], area_id: strawberry.ID | None = None,
                            assignee_id: strawberry.ID | None = None) -> AsyncGenerator[HazardEventType, None]:
        ctx = info.context
        principal = ctx.authenticated()
        if principal.is_device:
            raise NotAllowed("devices do not watch hazards")
        area = parse_optional_id(area_id, "areaId")
        assignee = parse_optional_id(assignee_id, "assigneeId")
        async for raw in ctx.bus.subscribe(channel_for(principal.mine_id)):
            event = HazardEvent.model_validate_json(raw)
            if (area and event.area_id != area) or (assignee and event.responsible_id != assignee):
                continue
            async with ctx.platform.session_factory() as session:
                hazard = await service.get(session=session, hazard_id=event.hazard_id)
            if hazard is not None:
                yield HazardEventType(kind=event.kind, hazard=HazardType.from_model(hazard))
