"""GraphQL types of inspection checklists (排查清单)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.hazards import loaders as hazard_loaders
from backend.inspections import rules, service
from backend.inspections.models import CheckState, InspectionCheck, InspectionItem, ItemResult
from backend.org.types import AreaType
from backend.risks import loaders as risk_loaders
from backend.risks.types import ControlMeasureType, RiskPointType

CheckStateType = strawberry.enum(CheckState, name="InspectionCheckState")
ItemResultType = strawberry.enum(ItemResult, name="InspectionItemResult")


def _id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


@strawberry.type(name="InspectionItem", description="One line of a checklist: a control measure of a risk point.")
class InspectionItemType:
    model: strawberry.Private[InspectionItem]
    id: strawberry.ID
    position: int
    text: str
    result: ItemResultType | None  # type: ignore[valid-type]
    note: str | None
    hazard_id: strawberry.ID | None

    @classmethod
    def from_model(cls, item: InspectionItem) -> InspectionItemType:
        return cls(model=item, id=_id(item.id), position=item.position, text=item.text, result=item.result,
                   note=item.note, hazard_id=_id(item.hazard_id) if item.hazard_id else None)

    @strawberry.field
    async def risk_point(self, info: Info[Context, None]) -> RiskPointType | None:
        point = await risk_loaders.points(info.context).load(self.model.risk_point_id)
        return RiskPointType.from_model(point) if point else None

    @strawberry.field
    async def measure(self, info: Info[Context, None]) -> ControlMeasureType | None:
        found = await risk_loaders.measures(info.context).load(self.model.risk_point_id)
        measure = next((m for m in found if m.id == self.model.measure_id), None)
        return ControlMeasureType.from_model(measure) if measure else None


@strawberry.type(name="InspectionCheck", description="A scheduled inspection check (排查) assigned to a person.")
class InspectionCheckType:
    model: strawberry.Private[InspectionCheck]
    id: strawberry.ID
    title: str
    due_at: datetime
    state: CheckStateType  # type: ignore[valid-type]
    done_at: datetime | None
    failed_items: int

    @classmethod
    def from_model(cls, check: InspectionCheck) -> InspectionCheckType:
        return cls(model=check, id=_id(check.id), title=check.title, due_at=check.due_at, state=check.state,
                   done_at=check.done_at, failed_items=check.failed_items)

    @strawberry.field(description="Still not done after its due time (escalates through the alerts sweep).")
    def is_overdue(self) -> bool:
        return rules.is_overdue(self.model.state, self.model.due_at, utcnow())

    @strawberry.field
    async def area(self, info: Info[Context, None]) -> AreaType:
        return AreaType.from_model(await risk_loaders.areas(info.context).load(self.model.area_id))

    @strawberry.field
    async def assignee(self, info: Info[Context, None]) -> PersonType | None:
        user = await hazard_loaders.users(info.context).load(self.model.assignee_id)
        return PersonType.from_model(user) if user else None

    @strawberry.field
    async def items(self, info: Info[Context, None]) -> list[InspectionItemType]:
        found = await info.context.loader("inspection_items", service.items_by_check).load(self.model.id)
        return [InspectionItemType.from_model(i) for i in found]


@strawberry.type(name="GeneratedInspections")
class GeneratedInspectionsType:
    checks: list[InspectionCheckType]
    unassigned_measures: int


@strawberry.input
class ScheduleInspectionInput:
    area_id: strawberry.ID
    assignee_id: strawberry.ID
    due_at: datetime
    title: str | None = None
    risk_point_ids: list[strawberry.ID] | None = None


@strawberry.input
class InspectionAnswerInput:
    item_id: strawberry.ID
    passed: bool
    note: str | None = None
    photo_keys: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="The results of a check; clientId is the app's id of this submission (a retry with "
                              "it returns the done check, never a second set of hazards).")
class SubmitInspectionInput:
    check_id: strawberry.ID
    client_id: strawberry.ID
    results: list[InspectionAnswerInput]


InspectionCheckResult = Annotated[
    InspectionCheckType | NotAllowedType | NotFoundType | ValidationFailedType | InvalidTransitionType,
    strawberry.union("InspectionCheckResult")]
GeneratedInspectionsResult = Annotated[GeneratedInspectionsType | NotAllowedType | ValidationFailedType,
                                       strawberry.union("GeneratedInspectionsResult")]
