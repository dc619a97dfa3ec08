"""Responsibility lists over GraphQL: my duties, lists by unit, version diffs, drafting and publishing."""

from __future__ import annotations

import uuid

import strawberry
from strawberry.types import Info

from backend.accounts import service as accounts_service
from backend.accounts.roles import Role
from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.errors import NotAllowed, NotFound, ValidationFailed
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id
from backend.hazards.models import Hazard
from backend.org import rules as org_rules
from backend.org import service as org_service
from backend.responsibility import flows, rules, service
from backend.responsibility.models import ListState, ResponsibilityList
from backend.responsibility.types import (
    EditResponsibilityListInput,
    HolderKindType,
    ListResponsible,
    ResponsibilityListDiffType,
    ResponsibilityListResult,
    ResponsibilityListType,
)

BROWSE_ROLES = (Role.ADMIN, Role.MINE_MANAGER, Role.AREA_MANAGER, Role.SAFETY_OFFICER, Role.TEAM_LEADER)


async def _typed(ctx: Context, lists: list[ResponsibilityList]) -> list[ResponsibilityListType]:
    items = await service.items_of(session=ctx.session, list_ids=[lst.id for lst in lists])
    return [ResponsibilityListType.from_model(lst, items[lst.id]) for lst in lists]


async def list_responsible(ctx: Context, mine_id: uuid.UUID, area_id: uuid.UUID, grade: str | None,
                           level: str | None, at) -> list[ListResponsible]:  # type: ignore[no-untyped-def]
    chain = await service.chain_for(session=ctx.session, mine_id=mine_id, area_id=area_id, grade=grade, level=level,
                                    at=at)
    wanted = [r.user_id for step in chain for r in step]
    people = {u.id: u for u in await accounts_service.get_many(session=ctx.session, user_ids=wanted) if u}
    return [ListResponsible(person=PersonType.from_model(people[r.user_id]), list_id=strawberry.ID(str(r.list_id)),
                            version=r.version, via_post=r.post_id is not None, step=index)
            for index, step in enumerate(chain) for r in step if r.user_id in people]


@strawberry.type
class Query:
    @strawberry.field(description="My duties: the published lists I answer by (my own and my post's).")
    async def my_duties(self, info: Info[Context, None]) -> list[ResponsibilityListType]:
        ctx = info.context
        principal = ctx.person()
        record = await org_service.get_person(session=ctx.session, user_id=principal.id)
        lists = await service.duties_of(session=ctx.session, mine_id=principal.mine_id, user_id=principal.id,
                                        post_id=record.post_id if record else None)
        return await _typed(ctx, list(lists))

    @strawberry.field(description="Lists of the posts and people within a unit (and below it), newest first; "
                                  "with history, superseded and withdrawn versions too (managers).")
    async def responsibility_lists(self, info: Info[Context, None], unit_id: strawberry.ID | None = None,
                                   include_history: bool = False) -> list[ResponsibilityListType]:
        ctx = info.context
        principal = ctx.person()
        if not principal.has_any(*BROWSE_ROLES):
            raise NotAllowed("browsing responsibility lists is for managers, officers and team leaders")
        mine_id = principal.mine_id
        post_ids = user_ids = None
        if unit_id is not None:
            root = parse_id(unit_id, "unitId")
            parents = await org_service.unit_parents(session=ctx.session, mine_id=mine_id)
            units = {u for u in parents if org_rules.within(parents, u, root)}
            posts = await org_service.list_posts(session=ctx.session, mine_id=mine_id, include_retired=True)
            post_ids = [p.id for p in posts if p.unit_id in units]
            people = await accounts_service.list_users(session=ctx.session, mine_id=mine_id)
            user_ids = [u.id for u in people if u.area_id in units]
        states = None if include_history else [ListState.PUBLISHED, ListState.DRAFT]
        lists = await service.lists(session=ctx.session, mine_id=mine_id, states=states, post_ids=post_ids,
                                    user_ids=user_ids)
        return await _typed(ctx, list(lists))

    @strawberry.field(description="Every version of one holder's list, newest first.")
    async def responsibility_list_versions(self, info: Info[Context, None], holder_kind: HolderKindType,  # type: ignore[valid-type]
                                           holder_id: strawberry.ID) -> list[ResponsibilityListType]:
        ctx = info.context
        principal = ctx.person()
        holder = parse_id(holder_id, "holderId")
        if not principal.has_any(*BROWSE_ROLES) and holder != principal.id:
            raise NotAllowed("browsing responsibility lists is for managers, officers and team leaders")
        versions = await service.versions(session=ctx.session, mine_id=principal.mine_id,
                                          key=service.holder_key(holder_kind, holder))
        return await _typed(ctx, list(versions))

    @strawberry.field(description="What changed between two versions of one holder's list.")
    async def responsibility_list_diff(self, info: Info[Context, None], from_id: strawberry.ID,
                                       to_id: strawberry.ID) -> ResponsibilityListDiffType:
        ctx = info.context
        principal = ctx.person()
        if not principal.has_any(*BROWSE_ROLES):
            raise NotAllowed("comparing responsibility lists is for managers, officers and team leaders")
        found = [await service.get(session=ctx.session, list_id=parse_id(i, f)) for i, f in
                 ((from_id, "fromId"), (to_id, "toId"))]
        if any(lst is None or lst.mine_id != principal.mine_id for lst in found):
            raise NotFound("no such responsibility list in your mine")
        before, after = found
        assert before is not None and after is not None
        if before.holder_key != after.holder_key:
            raise ValidationFailed("compare two versions of the same holder's list")
        items = await service.items_of(session=ctx.session, list_ids=[before.id, after.id])
        diff = rules.diff(service.content_of(before, items[before.id]), service.content_of(after, items[after.id]))
        return ResponsibilityListDiffType.from_diff(diff, before.version, after.version)

    @strawberry.field(description="Who the published lists in force now make responsible for a hazard, nearest "
                                  "first: triage proposes the first of them.")
    async def proposed_responsible(self, info: Info[Context, None], hazard_id: strawberry.ID) -> list[ListResponsible]:
        ctx = info.context
        principal = ctx.person()
        if not principal.has_any(*BROWSE_ROLES):
            raise NotAllowed("the proposal is for officers, managers and team leaders")
        hazard = await ctx.session.get(Hazard, parse_id(hazard_id, "hazardId"))
        if hazard is None or hazard.mine_id != principal.mine_id:
            raise NotFound("no such hazard in your mine")
        grade = hazard.grade or hazard.suggested_grade
        grade_value = grade.value if grade else None
        return await list_responsible(ctx, principal.mine_id, hazard.area_id, grade_value,
                                      hazard.level.value if hazard.level else None, utcnow())


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a draft of a post's or person's list (from the version in force).")
    @returns_domain_errors
    async def draft_responsibility_list(self, info: Info[Context, None], holder_kind: HolderKindType,  # type: ignore[valid-type]
                                        holder_id: strawberry.ID) -> ResponsibilityListResult:
        ctx = info.context
        draft = await flows.create_draft(ctx.session, actor=ctx.person(), holder_kind=holder_kind,
                                         holder_id=parse_id(holder_id, "holderId"))
        await ctx.commit()
        return (await _typed(ctx, [draft]))[0]

    @strawberry.mutation(description="Replace what a draft says.")
    @returns_domain_errors
    async def edit_responsibility_list(self, info: Info[Context, None], input: EditResponsibilityListInput
                                       ) -> ResponsibilityListResult:
        ctx = info.context
        lst = await flows.update_draft(
            ctx.session, actor=ctx.person(), list_id=parse_id(input.list_id, "listId"), duties=input.duties,
            hazard_levels=input.hazard_levels, area_ids=[parse_id(i, "areaIds") for i in input.area_ids],
            device_ids=[parse_id(i, "deviceIds") for i in input.device_ids], risk_point_ids=input.risk_point_ids)
        await ctx.commit()
        return (await _typed(ctx, [lst]))[0]

    @strawberry.mutation(description="Publish a draft as the holder's next version; the previous one is superseded.")
    @returns_domain_errors
    async def publish_responsibility_list(self, info: Info[Context, None], list_id: strawberry.ID
                                          ) -> ResponsibilityListResult:
        ctx = info.context
        lst = await flows.publish(ctx.session, actor=ctx.person(), list_id=parse_id(list_id, "listId"))
        await ctx.commit()
        return (await _typed(ctx, [lst]))[0]

    @strawberry.mutation(description="Withdraw a draft (kept, never published).")
    @returns_domain_errors
    async def withdraw_responsibility_list(self, info: Info[Context, None], list_id: strawberry.ID
                                           ) -> ResponsibilityListResult:
        ctx = info.context
        lst = await flows.withdraw(ctx.session, actor=ctx.person(), list_id=parse_id(list_id, "listId"))
        await ctx.commit()
        return (await _typed(ctx, [lst]))[0]

