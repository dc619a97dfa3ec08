"""Training queries and mutations."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts import service as accounts_service
from backend.accounts.roles import Role
from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import NotAllowed, NotFound, returns_domain_errors
from backend.graphql.ids import parse_id, parse_optional_id
from backend.training import flows, rules, service
from backend.training.models import Attempt, Course, Exam
from backend.training.permissions import TRAINING_MANAGERS, CanFollowTrainee, CanManageTraining
from backend.training.rules import DrawRule, RetrainingFlag
from backend.training.types import (
    ApprenticeshipResult,
    ApprenticeshipType,
    AssignmentResult,
    AssignmentType,
    AssignTrainingInput,
    AttemptResult,
    AttemptType,
    BankFormatType,
    BankQuestion,
    BankQuestionResult,
    ConfirmViolationInput,
    CourseResult,
    CourseType,
    CreateCourseInput,
    CreateExamInput,
    ExamResult,
    ExamType,
    ImportQuestionsResult,
    ImportRowError,
    LeaderboardEntry,
    LessonProgressResult,
    NoRemedialCourse,
    QuestionImport,
    QuestionInput,
    SaveAnswerInput,
    SaveAnswerResult,
    SavedAnswer,
    SkillProficiency,
    TrainingHours,
    TrainingRecord,
    ViolationResult,
)


def _turn(ctx: Context) -> asyncio.Lock:
    """Sibling root fields (and list items) resolve concurrently on the request's one session: take turns."""
    return ctx._session_lock  # the spine's lock for the same purpose in its DataLoaders


FLAG_ORDER = [RetrainingFlag.OK, RetrainingFlag.LAPSING, RetrainingFlag.LAPSED]


@strawberry.type
class QuestionBankList:
    questions: list[BankQuestion]


@strawberry.type
class QuestionExport:
    format: BankFormatType  # type: ignore[valid-type]
    count: int
    content: str


QuestionBankResult = Annotated[QuestionBankList | NotAllowed, strawberry.union("QuestionBankResult")]
QuestionExportResult = Annotated[QuestionExport | NotAllowed, strawberry.union("QuestionExportResult")]
TrainingRecordResult = Annotated[TrainingRecord | NotAllowed | NotFound, strawberry.union("TrainingRecordResult")]


async def training_record(ctx: Context, person_id: uuid.UUID) -> TrainingRecord:
    """Hours, assignments, proficiency and the apprenticeship of one person (checks done by the caller)."""
    async with _turn(ctx):
        return await _training_record(ctx, person_id)


async def _training_record(ctx: Context, person_id: uuid.UUID) -> TrainingRecord:
    session = ctx.session
    principal = ctx.authenticated()
    person = await service.person_in_mine_or_raise(session=session, user_id=person_id, mine_id=principal.mine_id)
    now = utcnow()
    hours = rules.training_hours(await service.lesson_credits(session=session, user_id=person_id), now)
    assignments = await service.assignments_for(session=session, assignee_id=person_id)
    proficiencies = [SkillProficiency.from_model(p)
                     for p in await service.proficiencies_of(session=session, user_id=person_id)]
    flag = max([p.flag for p in proficiencies] or [RetrainingFlag.OK], key=FLAG_ORDER.index)
    if not hours.retraining_complete and flag is RetrainingFlag.OK:
        flag = RetrainingFlag.LAPSING
    link = await service.active_apprenticeship(session=session, apprentice_id=person_id)
    return TrainingRecord(
        person=PersonType.from_model(person),
        hours=TrainingHours(induction=hours.induction, induction_required=hours.induction_required,
                            induction_complete=hours.induction_complete,
                            retraining_last_year=hours.retraining_last_year,
                            retraining_required=hours.retraining_required,
                            retraining_complete=hours.retraining_complete),
        assignments=[AssignmentType.from_model(a) for a in assignments],
        overdue_count=sum(1 for a in assignments if a.completed_at is None and a.due_at < now),
        proficiencies=proficiencies, retraining_flag=flag,
        apprenticeship=ApprenticeshipType.from_model(link) if link else None)


@strawberry.type
class Query:
    @strawberry.field(description="Active courses of the caller's mine.")
    async def training_courses(self, info: Info[Context, None]) -> list[CourseType]:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            return [CourseType.from_model(c) for c in await service.list_courses(session=ctx.session,
                                                                                  mine_id=principal.mine_id)]

    @strawberry.field
    async def training_course(self, info: Info[Context, None], id: strawberry.ID) -> CourseType | None:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            course = await ctx.session.get(Course, parse_id(id, "id"))
            return CourseType.from_model(course) if course and course.mine_id == principal.mine_id else None

    @strawberry.field(description="Exams the caller may take (training managers: every exam of the mine).")
    async def training_exams(self, info: Info[Context, None]) -> list[ExamType]:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            exams = await service.exams_for(session=ctx.session, mine_id=principal.mine_id, user_id=principal.id,
                                            everything=bool(principal.roles & TRAINING_MANAGERS))
            return [ExamType.from_model(e) for e in exams]

    @strawberry.field(description="One of the caller's own attempts (nobody else's).")
    async def exam_attempt(self, info: Info[Context, None], id: strawberry.ID) -> AttemptType | None:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            attempt = await ctx.session.get(Attempt, parse_id(id, "id"))
            if attempt is None or attempt.user_id != principal.id:
                return None
            return AttemptType.from_model(attempt)

    @strawberry.field(description="The caller's attempts at an exam, first to last.")
    async def my_exam_attempts(self, info: Info[Context, None], exam_id: strawberry.ID) -> list[AttemptType]:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            attempts = await service.attempts_of(session=ctx.session, exam_id=parse_id(exam_id, "examId"),
                                                 user_id=principal.id)
            return [AttemptType.from_model(a) for a in attempts if a.mine_id == principal.mine_id]

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
        async with _turn(ctx):
            mentor = await service.is_mentor_of(session=ctx.session, mentor_id=principal.id, apprentice_id=person)
        CanFollowTrainee.check(principal, person, is_their_apprentice=mentor)
        return await training_record(ctx, person)

    @strawberry.field(description="The caller's current apprentices (for a mentor).")
    async def my_apprentices(self, info: Info[Context, None]) -> list[ApprenticeshipType]:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            return [ApprenticeshipType.from_model(link)
                    for link in await service.apprenticeships_of(session=ctx.session, mentor_id=principal.id)]

    @strawberry.field(description="Overdue assignments: the whole mine for training managers, "
                                  "a mentor's apprentices for a mentor, otherwise the caller's own.")
    async def overdue_training(self, info: Info[Context, None]) -> list[AssignmentType]:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            people: list[uuid.UUID] | None = None
            if not principal.roles & TRAINING_MANAGERS:
                people = [principal.id]
                if Role.MENTOR in principal.roles:
                    links = await service.apprenticeships_of(session=ctx.session, mentor_id=principal.id)
                    people += [link.apprentice_id for link in links]
            found = await service.overdue_assignments(session=ctx.session, mine_id=principal.mine_id, now=utcnow(),
                                                      assignee_ids=people)
            return [AssignmentType.from_model(a) for a in found]

    @strawberry.field(description="The question bank with answers (training managers only).")
    @returns_domain_errors
    async def question_bank(self, info: Info[Context, None], tag: str | None = None) -> QuestionBankResult:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            CanManageTraining.check(principal)
            bank = await service.questions(session=ctx.session, mine_id=principal.mine_id,
                                           tag=tag.strip().lower() if tag else None)
            return QuestionBankList(questions=[BankQuestion.from_model(q) for q in bank])

    @strawberry.field(description="The question bank as CSV or JSON text (training managers only).")
    @returns_domain_errors
    async def export_questions(self, info: Info[Context, None], format: BankFormatType,  # type: ignore[valid-type]
                               tag: str | None = None) -> QuestionExportResult:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            content = await flows.export_questions(ctx.session, actor=principal, fmt=format,
                                                   tag=tag.strip().lower() if tag else None)
            bank = await service.questions(session=ctx.session, mine_id=principal.mine_id,
                                           tag=tag.strip().lower() if tag else None)
            return QuestionExport(format=format, count=len(bank), content=content)

    @strawberry.field(description="Ranked results of a competition (or any exam): best score, then fastest.")
    async def leaderboard(self, info: Info[Context, None], exam_id: strawberry.ID) -> list[LeaderboardEntry]:
        ctx = info.context
        principal = ctx.person()
        async with _turn(ctx):
            exam = await ctx.session.get(Exam, parse_id(exam_id, "examId"))
            if exam is None or exam.mine_id != principal.mine_id:
                return []
            best: dict[uuid.UUID, rules.Finisher] = {}
            for attempt in await service.submitted_attempts(session=ctx.session, exam_id=exam.id):
                assert attempt.submitted_at is not None
                finisher = rules.Finisher(person_id=attempt.user_id, score=attempt.score or 0.0,
                                          seconds=(attempt.submitted_at - attempt.started_at).total_seconds())
                current = best.get(attempt.user_id)
                if current is None or (finisher.score, -finisher.seconds) > (current.score, -current.seconds):
                    best[attempt.user_id] = finisher
            ranked = rules.rank(best.values())
            people = await accounts_service.get_many(session=ctx.session,
                                                     user_ids=[r.finisher.person_id for r in ranked])
            return [LeaderboardEntry(rank=r.rank, person=PersonType.from_model(p) if p else None,
                                     score=r.finisher.score, seconds=int(r.finisher.seconds))
                    for r, p in zip(ranked, people, strict=True)]


def _lesson_data(input: CreateCourseInput) -> list[flows.LessonData]:
    return [flows.LessonData(title=lesson.title, kind=lesson.kind, body=lesson.body, media_key=lesson.media_key,
                             minutes=lesson.minutes) for lesson in input.lessons]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A course with ordered lessons (image and video lessons name upload keys).")
    @returns_domain_errors
    async def create_course(self, info: Info[Context, None], input: CreateCourseInput) -> CourseResult:
        ctx = info.context
        actor = ctx.person()
        course = await flows.create_course(ctx.session, store=ctx.store, actor=actor, title=input.title,
                                           description=input.description, kind=input.kind,
                                           skill_tags=input.skill_tags, class_hours=input.class_hours,
                                           lessons=_lesson_data(input))
        await ctx.commit()
        return CourseType.from_model(course)

    @strawberry.mutation(description="The caller's time on a lesson (a running total) and whether it is done.")
    @returns_domain_errors
    async def record_lesson_progress(self, info: Info[Context, None], lesson_id: strawberry.ID, seconds_spent: int,
                                     completed: bool = False) -> LessonProgressResult:
        ctx = info.context
        actor = ctx.person()
        progress = await flows.record_lesson_progress(ctx.session, actor=actor,
                                                      lesson_id=parse_id(lesson_id, "lessonId"),
                                                      seconds_spent=seconds_spent, completed=completed)
        course = await ctx.session.get(Course, progress.course_id)
        await ctx.commit()
        assert course is not None
        return CourseType.from_model(course)

    @strawberry.mutation(description="Add one question to the bank (training managers).")
    @returns_domain_errors
    async def add_question(self, info: Info[Context, None], input: QuestionInput) -> BankQuestionResult:
        ctx = info.context
        actor = ctx.person()
        question = await flows.create_question(ctx.session, actor=actor, raw={
            "kind": input.kind.value, "text": input.text, "options": input.options, "correct": input.correct_options,
            "tags": input.tags, "difficulty": input.difficulty, "explanation": input.explanation})
        await ctx.commit()
        return BankQuestion.from_model(question)

    @strawberry.mutation(description="Import questions from CSV or JSON text: all of them, or none with an error per "
                                     "bad row.")
    @returns_domain_errors
    async def import_questions(self, info: Info[Context, None], format: BankFormatType,  # type: ignore[valid-type]
                               content: str) -> ImportQuestionsResult:
        ctx = info.context
        actor = ctx.person()
        outcome = await flows.import_questions(ctx.session, actor=actor, content=content, fmt=format)
        if outcome.errors:
            await ctx.rollback()
        else:
            await ctx.commit()
        return QuestionImport(imported_count=len(outcome.imported),
                              errors=[ImportRowError(row=e.row, message=e.message) for e in outcome.errors])

    @strawberry.mutation(description="An exam or a skill competition drawn from the bank by rules.")
    @returns_domain_errors
    async def create_exam(self, info: Info[Context, None], input: CreateExamInput) -> ExamResult:
        ctx = info.context
        actor = ctx.person()
        exam = await flows.create_exam(ctx.session, actor=actor, data=flows.ExamData(
            title=input.title, time_limit_minutes=input.time_limit_minutes, skill=input.skill,
            rules=[DrawRule(count=r.count, tag=r.tag, min_difficulty=r.min_difficulty, max_difficulty=r.max_difficulty)
                   for r in input.rules],
            pass_mark=input.pass_mark, max_attempts=input.max_attempts, retake_wait_minutes=input.retake_wait_minutes,
            requires_practical=input.requires_practical, open_to_all=input.open_to_all,
            is_competition=input.is_competition, opens_at=input.opens_at, closes_at=input.closes_at))
        await ctx.commit()
        return ExamType.from_model(exam)

    @strawberry.mutation(description="Start an exam, or resume the caller's running attempt at it.")
    @returns_domain_errors
    async def start_exam_attempt(self, info: Info[Context, None], exam_id: strawberry.ID) -> AttemptResult:
        ctx = info.context
        actor = ctx.person()
        attempt = await flows.start_attempt(ctx.session, actor=actor, exam_id=parse_id(exam_id, "examId"))
        await ctx.commit()
        return AttemptType.from_model(attempt)

    @strawberry.mutation(description="Save one answer; retries are harmless, late answers are refused.")
    @returns_domain_errors
    async def save_answer(self, info: Info[Context, None], input: SaveAnswerInput) -> SaveAnswerResult:
        ctx = info.context
        actor = ctx.person()
        saved = await flows.save_answer(ctx.session, actor=actor, attempt_id=parse_id(input.attempt_id, "attemptId"),
                                        question_id=parse_id(input.question_id, "questionId"), chosen=input.chosen,
                                        revision=input.revision)
        result = SavedAnswer.from_model(saved)
        await ctx.commit()
        return result

    @strawberry.mutation(description="Submit and grade; submitting again returns the same result.")
    @returns_domain_errors
    async def submit_exam_attempt(self, info: Info[Context, None], attempt_id: strawberry.ID) -> AttemptResult:
        ctx = info.context
        actor = ctx.person()
        attempt = await flows.submit_attempt(ctx.session, actor=actor, attempt_id=parse_id(attempt_id, "attemptId"))
        await ctx.commit()
        return AttemptType.from_model(attempt)

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

