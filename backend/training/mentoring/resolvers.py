"""Mentoring queries and mutations: apprentices, assignments, second assessments, violations, practicals."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from backend.accounts.roles import Role
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.training.courses import service as course_service
from backend.training.exams.types import AttemptResult, AttemptType
from backend.training.mentoring import flows, service
from backend.training.mentoring.types import (
    AssignmentResult,
    AssignmentType,
    AssignTrainingInput,
    ConfirmViolationInput,
    NoRemedialCourse,
    ViolationResult,
)
from backend.training.permissions import TRAINING_MANAGERS
from backend.training.record.types import ApprenticeshipResult, ApprenticeshipType


@strawberry.type
class Query:
    @strawberry.field(description="The caller's current apprentices (for a mentor).")
    async def my_apprentices(self, info: Info[Context, None]) -> list[ApprenticeshipType]:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            return [ApprenticeshipType.from_model(link)
                    for link in await service.apprenticeships_of(session=ctx.session, mentor_id=principal.id)]

    @strawberry.field(description="Overdue assignments: the whole mine for training managers, "
                                  "a mentor's apprentices for a mentor, otherwise the caller's own.")
    async def overdue_training(self, info: Info[Context, None]) -> list[AssignmentType]:
        ctx = info.context
        principal = ctx.person()
        async with ctx.session_lock:
            people: list[uuid.UUID] | None = None
            if not principal.roles & TRAINING_MANAGERS:
                people = [principal.id]
                if Role.MENTOR in principal.roles:
                    links = await service.apprenticeships_of(session=ctx.session, mentor_id=principal.id)
                    people += [link.apprentice_id for link in links]
            found = await course_service.overdue_assignments(session=ctx.session, mine_id=principal.mine_id,
                                                             now=utcnow(), assignee_ids=people)
            return [AssignmentType.from_model(a) for a in found]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Special operations: the practical score (theory and practice must both pass).")
    @returns_domain_errors
    async def record_practical_score(self, info: Info[Context, None], attempt_id: strawberry.ID,
                                     score: float) -> AttemptResult:
        ctx = info.context
        actor = ctx.person()
        attempt = await flows.record_practical_score(ctx.session, actor=actor,
                                                     attempt_id=parse_id(attempt_id, "attemptId"), score=score)
        await ctx.commit()
        return AttemptType.from_model(attempt)

    @strawberry.mutation(description="Assign a course or an exam with a due date (mentors: own apprentices only).")
    @returns_domain_errors
    async def assign_training(self, info: Info[Context, None], input: AssignTrainingInput) -> AssignmentResult:
        ctx = info.context
        actor = ctx.person()
        assignment = await flows.assign(ctx.session, actor=actor,
                                        assignee_id=parse_id(input.assignee_id, "assigneeId"),
                                        course_id=parse_optional_id(input.course_id, "courseId"),
                                        exam_id=parse_optional_id(input.exam_id, "examId"), due_at=input.due_at,
                                        note=input.note)
        await ctx.commit()
        return AssignmentType.from_model(assignment)

    @strawberry.mutation(description="Put an apprentice under a mentor for the 4-month supervised period.")
    @returns_domain_errors
    async def link_apprentice(self, info: Info[Context, None], mentor_id: strawberry.ID, apprentice_id: strawberry.ID,
                              started_at: datetime | None = None) -> ApprenticeshipResult:
        ctx = info.context
        actor = ctx.person()
        link = await flows.link_apprentice(ctx.session, actor=actor, mentor_id=parse_id(mentor_id, "mentorId"),
                                           apprentice_id=parse_id(apprentice_id, "apprenticeId"),
                                           started_at=started_at)
        await ctx.commit()
        return ApprenticeshipType.from_model(link)

    @strawberry.mutation(description="The second assessment after the supervised period; a pass means the "
                                     "apprentice may work alone.")
    @returns_domain_errors
    async def record_second_assessment(self, info: Info[Context, None], apprenticeship_id: strawberry.ID,
                                       passed: bool, note: str | None = None) -> ApprenticeshipResult:
        ctx = info.context
        actor = ctx.person()
        link = await flows.record_second_assessment(ctx.session, actor=actor,
                                                    link_id=parse_id(apprenticeship_id, "apprenticeshipId"),
                                                    passed=passed, note=note)
        await ctx.commit()
        return ApprenticeshipType.from_model(link)

    @strawberry.mutation(description="Confirm a person's violation; the matching remedial course is assigned once.")
    @returns_domain_errors
    async def confirm_violation(self, info: Info[Context, None], input: ConfirmViolationInput) -> ViolationResult:
        ctx = info.context
        actor = ctx.person()
        assignment = await flows.confirm_violation(ctx.session, actor=actor,
                                                   person_id=parse_id(input.person_id, "personId"),
                                                   violation=input.violation, source_ref=input.source_ref,
                                                   skill=input.skill)
        if assignment is None:
            await ctx.rollback()
            return NoRemedialCourse(message="the mine has no remedial course; add one of kind REMEDIAL")
        await ctx.commit()
        return AssignmentType.from_model(assignment)
