"""GraphQL types for responsibility lists, their diffs and the people they make responsible."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.org.types import AreaType, PostType
from backend.responsibility.models import HolderKind, ListState, ResponsibilityItem, ResponsibilityList, SubjectKind
from backend.responsibility.rules import ListDiff
from backend.risks.types import RiskPointType

HolderKindType = strawberry.enum(HolderKind, name="ResponsibilityHolderKind")
ListStateType = strawberry.enum(ListState, name="ResponsibilityListState")


@dataclass
class _Holder:
    post: PostType | None
    person: PersonType | None


@strawberry.type(name="ResponsibilityList", description="One version (or the draft) of a post's or person's 责任清单.")
class ResponsibilityListType:
    id: strawberry.ID
    holder_kind: HolderKindType  # type: ignore[valid-type]
    state: ListStateType  # type: ignore[valid-type]
    version: int | None
    duties: str
    hazard_levels: list[str]
    area_ids: list[strawberry.ID]
    device_ids: list[strawberry.ID]
    risk_point_ids: list[str] = strawberry.field(description="risk points (issue 13) by id")
    published_at: datetime | None
    superseded_at: datetime | None
    post_id: strawberry.ID | None
    person_id: strawberry.ID | None

    @classmethod
    def from_model(cls, lst: ResponsibilityList, items: list[ResponsibilityItem]) -> ResponsibilityListType:
        def ids(kind: SubjectKind) -> list[str]:
            return [i.subject_id for i in items if i.subject_kind is kind]

        return cls(id=strawberry.ID(str(lst.id)), holder_kind=lst.holder_kind, state=lst.state, version=lst.version,
                   duties=lst.duties, hazard_levels=list(lst.hazard_levels or []),
                   area_ids=[strawberry.ID(i) for i in ids(SubjectKind.AREA)],
                   device_ids=[strawberry.ID(i) for i in ids(SubjectKind.DEVICE)],
                   risk_point_ids=ids(SubjectKind.RISK_POINT), published_at=lst.published_at,
                   superseded_at=lst.superseded_at,
                   post_id=strawberry.ID(str(lst.post_id)) if lst.post_id else None,
                   person_id=strawberry.ID(str(lst.user_id)) if lst.user_id else None)

    @strawberry.field
    async def holder_name(self, info: Info[Context, None]) -> str:
        from backend.accounts import service as accounts_service
        from backend.org import service as org_service

        session = info.context.session
        if self.post_id is not None:
            post = await org_service.get_post(session=session, post_id=_uuid(self.post_id))
            return post.name if post else ""
        person = await accounts_service.get(session=session, user_id=_uuid(self.person_id))
        return person.display_name if person else ""

    @strawberry.field
    async def areas(self, info: Info[Context, None]) -> list[AreaType]:
        from backend.hazards import loaders

        found = [await loaders.areas(info.context).load(_uuid(i)) for i in self.area_ids]
        return [AreaType.from_model(a) for a in found if a is not None]

    @strawberry.field(description="The risk points the list names (riskPointIds), with their codes and names.")
    async def risk_points(self, info: Info[Context, None]) -> list[RiskPointType]:
        from backend.risks import loaders as risk_loaders

        found = await risk_loaders.points(info.context).load_many([_uuid(i) for i in self.risk_point_ids])
        return [RiskPointType.from_model(p) for p in found if p is not None]


def _uuid(value: object):  # type: ignore[no-untyped-def]
    import uuid

    return uuid.UUID(str(value))


@strawberry.type
class SubjectChange:
    kind: str = strawberry.field(description="areas, devices, risk_points or hazard_levels")
    added: list[str]
    removed: list[str]


@strawberry.type(name="ResponsibilityListDiff", description="What changed from one version to another.")
class ResponsibilityListDiffType:
    from_version: int | None
    to_version: int | None
    duties_changed: bool
    duties_before: str
    duties_after: str
    changes: list[SubjectChange]

    @classmethod
    def from_diff(cls, diff: ListDiff, from_version: int | None, to_version: int | None
                  ) -> ResponsibilityListDiffType:
        kinds = list(diff.added)
        return cls(from_version=from_version, to_version=to_version, duties_changed=diff.duties_changed,
                   duties_before=diff.duties_before, duties_after=diff.duties_after,
                   changes=[SubjectChange(kind=k, added=diff.added[k], removed=diff.removed[k]) for k in kinds
                            if diff.added[k] or diff.removed[k]])


@strawberry.type(description="A person a published list version makes responsible, and through which list.")
class ListResponsible:
    person: PersonType
    list_id: strawberry.ID
    version: int
    via_post: bool
    step: int = strawberry.field(description="0: the area's own list; 1, 2…: lists of the districts above it")


@strawberry.input
class EditResponsibilityListInput:
    list_id: strawberry.ID
    duties: str
    hazard_levels: list[str] = strawberry.field(default_factory=list, description="MAJOR, A, B, C (none: all)")
    area_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    device_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    risk_point_ids: list[str] = strawberry.field(default_factory=list)


ResponsibilityListResult = Annotated[ResponsibilityListType | NotAllowedType | NotFoundType | ValidationFailedType
                                     | InvalidTransitionType, strawberry.union("ResponsibilityListResult")]
