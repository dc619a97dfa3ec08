"""GraphQL types of training.

The trainee's view of an exam (ExamAttempt, AttemptQuestion) has no field that carries a correct
answer; the answers appear only in AttemptReview after the attempt is submitted (for a competition,
after it closes), and in BankQuestion, which only training managers can reach.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.graphql.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.storage.service import download_url
from backend.training import loaders, rules
from backend.training.bank_io import BankFormat
from backend.training.models import (
    Apprenticeship,
    Assignment,
    AssignmentKind,
    AssignmentReason,
    Attempt,
    AttemptAnswer,
    AttemptState,
    Course,
    Exam,
    Lesson,
    LessonKind,
    LessonProgress,
    Proficiency,
    Question,
)
from backend.training.rules import ApprenticeshipStage, CourseKind, QuestionKind, RetrainingFlag

CourseKindType = strawberry.enum(CourseKind, name="CourseKind")
LessonKindType = strawberry.enum(LessonKind, name="LessonKind")
QuestionKindType = strawberry.enum(QuestionKind, name="QuestionKind")
AttemptStateType = strawberry.enum(AttemptState, name="ExamAttemptState")
AssignmentKindType = strawberry.enum(AssignmentKind, name="TrainingAssignmentKind")
AssignmentReasonType = strawberry.enum(AssignmentReason, name="TrainingAssignmentReason")
ApprenticeshipStageType = strawberry.enum(ApprenticeshipStage, name="ApprenticeshipStage")
RetrainingFlagType = strawberry.enum(RetrainingFlag, name="RetrainingFlag")
BankFormatType = strawberry.enum(BankFormat, name="QuestionBankFormat")


async def _person(info: Info[Context, None], user_id: uuid.UUID | None) -> PersonType | None:
    if user_id is None:
        return None
    user = await loaders.users(info.context).load(user_id)
    return PersonType.from_model(user) if user else None


# --- courses -------------------------------------------------------------------------------
@strawberry.type
class LessonProgressInfo:
    seconds_spent: int
    completed_at: datetime | None


@strawberry.type(name="TrainingLesson")
class LessonType:
    model: strawberry.Private[Lesson]
    id: strawberry.ID
    position: int
    title: str
    kind: LessonKindType  # type: ignore[valid-type]
    body: str
    minutes: int

    @classmethod
    def from_model(cls, lesson: Lesson) -> LessonType:
        return cls(model=lesson, id=strawberry.ID(str(lesson.id)), position=lesson.position, title=lesson.title,
                   kind=lesson.kind, body=lesson.body, minutes=lesson.minutes)

    @strawberry.field(description="A signed URL to the lesson's image or video (null for text), valid an hour.")
    async def media_url(self, info: Info[Context, None]) -> str | None:
        if not self.model.media_key:
            return None
        ctx = info.context
        return await download_url(store=ctx.store, settings=ctx.settings, key=self.model.media_key)

    @strawberry.field(description="The caller's own progress through this lesson.")
    async def my_progress(self, info: Info[Context, None]) -> LessonProgressInfo | None:
        principal = info.context.authenticated()
        rows = await loaders.progress(info.context).load((principal.id, self.model.course_id))
        found = next((r for r in rows if r.lesson_id == self.model.id), None)
        return LessonProgressInfo(seconds_spent=found.seconds_spent, completed_at=found.completed_at) if found else None


@strawberry.type
class CourseProgress:
    lessons_done: int
    lesson_count: int
    seconds_spent: int
    hours_earned: float
    completed: bool


def course_progress(course: Course, lessons: list[Lesson], rows: list[LessonProgress]) -> CourseProgress:
    done = sum(1 for r in rows if r.completed_at is not None)
    share = rules.lesson_hours(course.class_hours, len(lessons))
    return CourseProgress(lessons_done=done, lesson_count=len(lessons),
                          seconds_spent=sum(r.seconds_spent for r in rows),
                          hours_earned=round(done * share, 2), completed=bool(lessons) and done >= len(lessons))


@strawberry.type(name="TrainingCourse")
class CourseType:
    model: strawberry.Private[Course]
    id: strawberry.ID
    title: str
    description: str
    kind: CourseKindType  # type: ignore[valid-type]
    skill_tags: list[str]
    class_hours: float

    @classmethod
    def from_model(cls, course: Course) -> CourseType:
        return cls(model=course, id=strawberry.ID(str(course.id)), title=course.title, description=course.description,
                   kind=course.kind, skill_tags=list(course.skill_tags), class_hours=course.class_hours)

    @strawberry.field
    async def lessons(self, info: Info[Context, None]) -> list[LessonType]:
        return [LessonType.from_model(lesson) for lesson in await loaders.lessons(info.context).load(self.model.id)]

    @strawberry.field(description="The caller's progress through the course.")
    async def my_progress(self, info: Info[Context, None]) -> CourseProgress:
        principal = info.context.authenticated()
        lessons = await loaders.lessons(info.context).load(self.model.id)
        rows = await loaders.progress(info.context).load((principal.id, self.model.id))
        return course_progress(self.model, lessons, rows)


# --- exams, trainee view -------------------------------------------------------------------
@strawberry.type(name="TrainingExam")
class ExamType:
    model: strawberry.Private[Exam]
    id: strawberry.ID
    title: str
    skill: str | None
    time_limit_minutes: int
    pass_mark: float
    max_attempts: int = strawberry.field(description="0: unlimited")
    retake_wait_minutes: int
    requires_practical: bool
    is_competition: bool
    open_to_all: bool
    opens_at: datetime | None
    closes_at: datetime | None
    question_count: int

    @classmethod
    def from_model(cls, exam: Exam) -> ExamType:
        return cls(model=exam, id=strawberry.ID(str(exam.id)), title=exam.title, skill=exam.skill,
                   time_limit_minutes=exam.time_limit_minutes, pass_mark=exam.pass_mark, max_attempts=exam.max_attempts,
                   retake_wait_minutes=exam.retake_wait_minutes, requires_practical=exam.requires_practical,
                   is_competition=exam.is_competition, open_to_all=exam.open_to_all, opens_at=exam.opens_at,
                   closes_at=exam.closes_at, question_count=sum(int(r["count"]) for r in exam.rules))


@strawberry.type(description="A question as the trainee sees it during an attempt: no answer in it.")
class AttemptQuestion:
    id: strawberry.ID
    position: int
    kind: QuestionKindType  # type: ignore[valid-type]
    text: str
    options: list[str]


@strawberry.type(description="An answer saved on the server.")
class SavedAnswer:
    question_id: strawberry.ID
    chosen: list[int]
    revision: int
    saved_at: datetime

    @classmethod
    def from_model(cls, answer: AttemptAnswer) -> SavedAnswer:
        return cls(question_id=strawberry.ID(str(answer.question_id)), chosen=list(answer.chosen),
                   revision=answer.revision, saved_at=answer.saved_at)


@strawberry.type(description="One question after grading, with the right options.")
class ReviewedQuestion:
    question_id: strawberry.ID
    text: str
    options: list[str]
    chosen: list[int]
    correct_options: list[int]
    is_correct: bool
    explanation: str | None


@strawberry.type(description="The outcome of a submitted attempt.")
class AttemptOutcome:
    score: float
    passed: bool | None = strawberry.field(description="null while a practical part is still to be scored")
    correct_count: int
    total: int
    practical_score: float | None
    answers_revealed: bool = strawberry.field(
        description="false for a competition until it closes; review is empty until then")
    review: list[ReviewedQuestion]


@strawberry.type(name="ExamAttempt")
class AttemptType:
    model: strawberry.Private[Attempt]
    id: strawberry.ID
    number: int
    state: AttemptStateType  # type: ignore[valid-type]
    started_at: datetime
    deadline_at: datetime
    submitted_at: datetime | None

    @classmethod
    def from_model(cls, attempt: Attempt) -> AttemptType:
        return cls(model=attempt, id=strawberry.ID(str(attempt.id)), number=attempt.number, state=attempt.state,
                   started_at=attempt.started_at, deadline_at=attempt.deadline_at, submitted_at=attempt.submitted_at)

    @strawberry.field(description="The server's clock now, so that the app's countdown follows it.")
    def server_now(self) -> datetime:
        return utcnow()

    @strawberry.field(description="Seconds until the server stops accepting answers (0 when over).")
    def seconds_left(self) -> int:
        if self.model.state is not AttemptState.IN_PROGRESS:
            return 0
        return max(0, int((self.model.deadline_at - utcnow()).total_seconds()))

    @strawberry.field
    async def exam(self, info: Info[Context, None]) -> ExamType:
        exam = await loaders.exams(info.context).load(self.model.exam_id)
        assert exam is not None
        return ExamType.from_model(exam)

    @strawberry.field(description="The drawn questions in order, without answers.")
    async def questions(self, info: Info[Context, None]) -> list[AttemptQuestion]:
        found = await loaders.questions(info.context).load_many([uuid.UUID(q) for q in self.model.question_ids])
        return [AttemptQuestion(id=strawberry.ID(str(q.id)), position=i, kind=q.kind, text=q.text,
                                options=list(q.options)) for i, q in enumerate(found) if q is not None]

    @strawberry.field(description="Answers saved so far (what the app restores after a lost connection).")
    async def answers(self, info: Info[Context, None]) -> list[SavedAnswer]:
        saved = await loaders.answers(info.context).load(self.model.id)
        order = {q: i for i, q in enumerate(self.model.question_ids)}
        ordered = sorted(saved.values(), key=lambda a: order.get(str(a.question_id), 0))
        return [SavedAnswer.from_model(a) for a in ordered]

    @strawberry.field(description="Null until the attempt is submitted.")
    async def outcome(self, info: Info[Context, None]) -> AttemptOutcome | None:
        from backend.training import flows

        attempt = self.model
        if attempt.state is not AttemptState.SUBMITTED:
            return None
        exam = await loaders.exams(info.context).load(attempt.exam_id)
        assert exam is not None
        revealed = flows.answers_visible(exam, attempt, utcnow())
        review: list[ReviewedQuestion] = []
        if revealed:
            found = await loaders.questions(info.context).load_many([uuid.UUID(q) for q in attempt.question_ids])
            saved = await loaders.answers(info.context).load(attempt.id)
            for q in (q for q in found if q is not None):
                chosen = list(saved[q.id].chosen) if q.id in saved else []
                grading = rules.GradingQuestion(id=q.id, kind=q.kind, option_count=len(q.options),
                                                correct=frozenset(q.correct))
                review.append(ReviewedQuestion(question_id=strawberry.ID(str(q.id)), text=q.text,
                                               options=list(q.options), chosen=chosen, correct_options=list(q.correct),
                                               is_correct=rules.is_correct(grading, chosen),
                                               explanation=q.explanation))
        return AttemptOutcome(score=attempt.score or 0.0, passed=attempt.passed
                              if not (exam.requires_practical and attempt.practical_score is None) else None,
                              correct_count=attempt.correct_count or 0, total=len(attempt.question_ids),
                              practical_score=attempt.practical_score, answers_revealed=revealed, review=review)


# --- question bank (training managers only) -----------------------------------------------
@strawberry.type(description="A bank question with its answer; only training managers can read these.")
class BankQuestion:
    id: strawberry.ID
    kind: QuestionKindType  # type: ignore[valid-type]
    text: str
    options: list[str]
    correct_options: list[int]
    tags: list[str]
    difficulty: int
    explanation: str | None

    @classmethod
    def from_model(cls, q: Question) -> BankQuestion:
        return cls(id=strawberry.ID(str(q.id)), kind=q.kind, text=q.text, options=list(q.options),
                   correct_options=list(q.correct), tags=list(q.tags), difficulty=q.difficulty,
                   explanation=q.explanation)


@strawberry.type
class ImportRowError:
    row: int = strawberry.field(description="1-based question number (0: the file as a whole)")
    message: str


@strawberry.type(description="How an import went: either every question or none was imported.")
class QuestionImport:
    imported_count: int
    errors: list[ImportRowError]


# --- people --------------------------------------------------------------------------------
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
        course = await loaders.courses(info.context).load(self.model.course_id)
        return CourseType.from_model(course) if course else None

    @strawberry.field
    async def exam(self, info: Info[Context, None]) -> ExamType | None:
        if self.model.exam_id is None:
            return None
        exam = await loaders.exams(info.context).load(self.model.exam_id)
        return ExamType.from_model(exam) if exam else None

    @strawberry.field
    async def assignee(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.assignee_id)

    @strawberry.field
    async def assigned_by(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.assigned_by)


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
                   supervised_until=rules.supervised_until(link.started_at, link.supervised_months),
                   stage=rules.apprenticeship_stage(started_at=link.started_at, now=utcnow(),
                                                    second_assessment_passed_at=link.released_at,
                                                    ended_at=link.ended_at, months=link.supervised_months),
                   second_assessment_at=link.second_assessment_at,
                   second_assessment_passed=link.second_assessment_passed,
                   second_assessment_note=link.second_assessment_note)

    @strawberry.field
    async def mentor(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.mentor_id)

    @strawberry.field
    async def apprentice(self, info: Info[Context, None]) -> PersonType | None:
        return await _person(info, self.model.apprentice_id)

    @strawberry.field(description="The apprentice's training record.")
    async def record(self, info: Info[Context, None]) -> TrainingRecord:
        from backend.training.resolvers import training_record

        return await training_record(info.context, self.model.apprentice_id)


@strawberry.type
class TrainingHours:
    induction: float
    induction_required: float
    induction_complete: bool
    retraining_last_year: float
    retraining_required: float
    retraining_complete: bool


@strawberry.type
class SkillProficiency:
    skill: str
    score: float
    passed_at: datetime
    due_at: datetime
    flag: RetrainingFlagType  # type: ignore[valid-type]

    @classmethod
    def from_model(cls, p: Proficiency) -> SkillProficiency:
        return cls(skill=p.skill, score=p.score, passed_at=p.passed_at, due_at=p.due_at,
                   flag=rules.retraining_flag(p.due_at, utcnow()))


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


@strawberry.type
class LeaderboardEntry:
    rank: int
    person: PersonType | None
    score: float
    seconds: int


# --- inputs and results --------------------------------------------------------------------
@strawberry.input
class LessonInput:
    title: str
    kind: LessonKindType  # type: ignore[valid-type]
    body: str = ""
    media_key: str | None = strawberry.field(default=None, description="an uploaded PHOTO, DOCUMENT or VIDEO key")
    minutes: int = 0


@strawberry.input
class CreateCourseInput:
    title: str
    kind: CourseKindType  # type: ignore[valid-type]
    class_hours: float
    lessons: list[LessonInput]
    skill_tags: list[str] = strawberry.field(default_factory=list)
    description: str = ""


@strawberry.input
class QuestionInput:
    kind: QuestionKindType  # type: ignore[valid-type]
    text: str
    options: list[str]
    correct_options: list[int]
    tags: list[str]
    difficulty: int
    explanation: str | None = None


@strawberry.input
class DrawRuleInput:
    count: int
    tag: str | None = None
    min_difficulty: int = 1
    max_difficulty: int = 5


@strawberry.input
class CreateExamInput:
    title: str
    rules: list[DrawRuleInput]
    time_limit_minutes: int
    skill: str | None = None
    pass_mark: float = 80.0
    max_attempts: int = 3
    retake_wait_minutes: int = 0
    requires_practical: bool = False
    open_to_all: bool = False
    is_competition: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None


@strawberry.input
class AssignTrainingInput:
    assignee_id: strawberry.ID
    due_at: datetime
    course_id: strawberry.ID | None = None
    exam_id: strawberry.ID | None = None
    note: str | None = None


@strawberry.input
class SaveAnswerInput:
    attempt_id: strawberry.ID
    question_id: strawberry.ID
    chosen: list[int]
    revision: int = strawberry.field(default=0, description="grows with each change; an older one never wins")


@strawberry.input
class ConfirmViolationInput:
    person_id: strawberry.ID
    violation: str
    source_ref: str = strawberry.field(description="the violation's record, e.g. 'vision:<event id>'")
    skill: str | None = None


@strawberry.type(description="A violation was recorded but the mine has no remedial course to assign.")
class NoRemedialCourse:
    message: str


CourseResult = Annotated[CourseType | NotAllowed | NotFound | ValidationFailed, strawberry.union("CourseResult")]
BankQuestionResult = Annotated[BankQuestion | NotAllowed | ValidationFailed, strawberry.union("BankQuestionResult")]
ImportQuestionsResult = Annotated[QuestionImport | NotAllowed, strawberry.union("ImportQuestionsResult")]
ExamResult = Annotated[ExamType | NotAllowed | ValidationFailed, strawberry.union("ExamResult")]
AttemptResult = Annotated[AttemptType | InvalidTransition | NotAllowed | NotFound | ValidationFailed,
                          strawberry.union("AttemptResult")]
SaveAnswerResult = Annotated[SavedAnswer | InvalidTransition | NotAllowed | NotFound | ValidationFailed,
                             strawberry.union("SaveAnswerResult")]
LessonProgressResult = Annotated[CourseType | NotAllowed | ValidationFailed, strawberry.union("LessonProgressResult")]
AssignmentResult = Annotated[AssignmentType | NotAllowed | NotFound | ValidationFailed,
                             strawberry.union("AssignmentResult")]
ApprenticeshipResult = Annotated[ApprenticeshipType | InvalidTransition | NotAllowed | NotFound | ValidationFailed,
                                 strawberry.union("ApprenticeshipResult")]
ViolationResult = Annotated[AssignmentType | NoRemedialCourse | NotAllowed | NotFound | ValidationFailed,
                            strawberry.union("ViolationResult")]
