"""GraphQL types of the training record, and the Apprenticeship type (which carries the apprentice's record)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.training.exams.types import ExamType, RetrainingFlagType, SkillProficiency
from backend.training.mentoring import rules as mentoring_rules
from backend.training.mentoring.models import Apprenticeship
from backend.training.mentoring.rules import ApprenticeshipStage
from backend.training.mentoring.types import AssignmentType, person
from backend.training.record import service
from backend.training.record.service import PersonRecord

ApprenticeshipStageType = strawberry.enum(ApprenticeshipStage, name="ApprenticeshipStage")


@strawberry.type(name="Apprenticeship")
class ApprenticeshipType:
    model: strawberry.Private[Apprenticeship]
    id: strawberry.ID
    started_at: datetime
    supervised_until: datetime
    stage: ApprenticeshipStageType  # type: ignore[valid-type]
    second_assessment_at: datetime | None
    second_assessment_passed: bool | None
    second_assessment_note: str | None

    @classmethod
    def from_model(cls, link: Apprenticeship) -> ApprenticeshipType:
        return cls(model=link, id=strawberry.ID(str(link.id)), started_at=link.started_at,
                   supervised_until=mentoring_rules.supervised_until(link.started_at, link.supervised_months),
                   stage=mentoring_rules.apprenticeship_stage(started_at=link.started_at, now=utcnow(),
                                                    second_assessment_passed_at=link.released_at,
                                                    ended_at=link.ended_at, months=link.supervised_months),
                   second_assessment_at=link.second_assessment_at,
                   second_assessment_passed=link.second_assessment_passed,
                   second_assessment_note=link.second_assessment_note)

    @strawberry.field
    async def mentor(self, info: Info[Context, None]) -> PersonType | None:
        return await person(info, self.model.mentor_id)

    @strawberry.field
    async def apprentice(self, info: Info[Context, None]) -> PersonType | None:
        return await person(info, self.model.apprentice_id)

    @strawberry.field(description="The apprentice's training record.")
    async def record(self, info: Info[Context, None]) -> TrainingRecord:
        return await training_record(info.context, self.model.apprentice_id)


@strawberry.type
class TrainingHours:
    induction: float
    induction_required: float
    induction_complete: bool
    retraining_last_year: float
    retraining_required: float
    retraining_complete: bool


@strawberry.type(description="A person's training: hours, assignments, proficiency and apprenticeship.")
class TrainingRecord:
    person: PersonType
    hours: TrainingHours
    assignments: list[AssignmentType]
    overdue_count: int
    proficiencies: list[SkillProficiency]
    retraining_flag: RetrainingFlagType = strawberry.field(  # type: ignore[valid-type]
        description="LAPSED when yearly hours are short or a skill is past due; LAPSING when one is due soon")
    apprenticeship: ApprenticeshipType | None
    exam_results: list[ExamResultType] = strawberry.field(
        default_factory=list, description="Each exam the person has handed in: attempts, best and last score.")

    @classmethod
    def from_record(cls, found: PersonRecord) -> TrainingRecord:
        hours = found.hours
        return cls(
            person=PersonType.from_model(found.person),
            hours=TrainingHours(induction=hours.induction, induction_required=hours.induction_required,
                                induction_complete=hours.induction_complete,
                                retraining_last_year=hours.retraining_last_year,
                                retraining_required=hours.retraining_required,
                                retraining_complete=hours.retraining_complete),
            assignments=[AssignmentType.from_model(a) for a in found.assignments],
            overdue_count=found.overdue_count,
            proficiencies=[SkillProficiency.from_model(p) for p in found.proficiencies],
            retraining_flag=found.retraining_flag,
            apprenticeship=ApprenticeshipType.from_model(found.apprenticeship) if found.apprenticeship else None,
            exam_results=[ExamResultType(exam=ExamType.from_model(r.exam), attempts=r.attempts,
                                         best_score=r.best_score, last_score=r.last_score, passed=r.passed,
                                         last_submitted_at=r.last_submitted_at) for r in found.exam_results])


@strawberry.type(name="ExamRecord", description="A person's handed-in attempts at one exam.")
class ExamResultType:
    exam: ExamType
    attempts: int
    best_score: float | None
    last_score: float | None
    passed: bool | None = strawberry.field(description="the last attempt's verdict (null: practical still to score)")
    last_submitted_at: datetime | None


async def training_record(ctx: Context, person_id: uuid.UUID) -> TrainingRecord:
    """One person's record (whether the caller may see it is checked by the caller); nested under each
    apprenticeship of a list too, so it takes turns on the request's session."""
    async with ctx.session_lock:
        found = await service.record_of(session=ctx.session, mine_id=ctx.authenticated().mine_id,
                                        person_id=person_id, now=utcnow())
    return TrainingRecord.from_record(found)


ApprenticeshipResult = Annotated[
    ApprenticeshipType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
    strawberry.union("ApprenticeshipResult")]
TrainingRecordResult = Annotated[TrainingRecord | NotAllowedType | NotFoundType | ValidationFailedType,
                                 strawberry.union("TrainingRecordResult")]
