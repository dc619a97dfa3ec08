"""Training-record queries: the caller's own record, and a person's for their mentor and training managers."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id
from backend.training.mentoring import service as mentoring_service
from backend.training.record.permissions import CanFollowTrainee
from backend.training.record.types import TrainingRecord, TrainingRecordResult, training_record


@strawberry.type
class Query:
    @strawberry.field(description="The caller's own training record.")
    async def my_training(self, info: Info[Context, None]) -> TrainingRecord:
        ctx = info.context
        return await training_record(ctx, ctx.person().id)

    @strawberry.field(description="A person's training record: for them, their mentor and training managers.")
    @returns_domain_errors
    async def training_record(self, info: Info[Context, None], person_id: strawberry.ID) -> TrainingRecordResult:
        ctx = info.context
        principal = ctx.person()
        person = parse_id(person_id, "personId")
        mentor = await mentoring_service.is_mentor_of(session=ctx.session, mentor_id=principal.id,
                                                      apprentice_id=person)
        CanFollowTrainee.check(principal, person, is_their_apprentice=mentor)
        return await training_record(ctx, person)
