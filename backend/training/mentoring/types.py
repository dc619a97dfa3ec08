"""GraphQL types of assignments and violations (the Apprenticeship type is the record's: it carries one)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import NotAllowedType, NotFoundType, ValidationFailedType
from backend.training.courses import loaders as course_loaders
from backend.training.courses.models import Assignment, AssignmentKind, AssignmentReason
from backend.training.courses.types import CourseType
from backend.training.exams import loaders as exam_loaders
from backend.training.exams.types import ExamType
from backend.training.mentoring import loaders

AssignmentKindType = strawberry.enum(AssignmentKind, name="TrainingAssignmentKind")
AssignmentReasonType = strawberry.enum(AssignmentReason, name="TrainingAssignmentReason")


async def person(info: Info[Context, None], user_id: uuid.UUID | None) -> PersonType | None:
    if user_id is None:
        return None
    user = await loaders.users(info.context).load(user_id)
    return PersonType.from_model(user) if user else None


@strawberry.type(name="TrainingAssignment")
class AssignmentType:
    model: strawberry.Private[Assignment]
    id: strawberry.ID
    kind: AssignmentKindType  # type: ignore[valid-type]
    reason: AssignmentReasonType  # type: ignore[valid-type]
    note: str | None
    due_at: datetime
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def from_model(cls, a: Assignment) -> AssignmentType:
        return cls(model=a, id=strawberry.ID(str(a.id)), kind=a.kind, reason=a.reason, note=a.note, due_at=a.due_at,
                   created_at=a.created_at, completed_at=a.completed_at)

    @strawberry.field
    def is_overdue(self) -> bool:
        return self.model.completed_at is None and self.model.due_at < utcnow()

    @strawberry.field
    async def course(self, info: Info[Context, None]) -> CourseType | None:
        if self.model.course_id is None:
            return None
        course = await course_loaders.courses(info.context).load(self.model.course_id)
        return CourseType.from_model(course) if course else None

    @strawberry.field
    async def exam(self, info: Info[Context, None]) -> ExamType | None:
        if self.model.exam_id is None:
            return None
        exam = await exam_loaders.exams(info.context).load(self.model.exam_id)
        return ExamType.from_model(exam) if exam else None

    @strawberry.field
    async def assignee(self, info: Info[Context, None]) -> PersonType | None:
        return await person(info, self.model.assignee_id)

    @strawberry.field
    async def assigned_by(self, info: Info[Context, None]) -> PersonType | None:
        return await person(info, self.model.assigned_by)


@strawberry.input
class AssignTrainingInput:
    assignee_id: strawberry.ID
    due_at: datetime
    course_id: strawberry.ID | None = None
    exam_id: strawberry.ID | None = None
    note: str | None = None


@strawberry.input
class ConfirmViolationInput:
    person_id: strawberry.ID
    violation: str
    source_ref: str = strawberry.field(description="the violation's record, e.g. 'vision:<event id>'")
    skill: str | None = None


@strawberry.type(description="A violation was recorded but the mine has no remedial course to assign.")
class NoRemedialCourse:
    message: str


AssignmentResult = Annotated[AssignmentType | NotAllowedType | NotFoundType | ValidationFailedType,
                             strawberry.union("AssignmentResult")]
ViolationResult = Annotated[AssignmentType | NoRemedialCourse | NotAllowedType | NotFoundType | ValidationFailedType,
                            strawberry.union("ViolationResult")]
