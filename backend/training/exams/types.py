"""GraphQL types of exams.

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
from backend.graphql.errors import InvalidTransitionType, NotAllowedType, NotFoundType, ValidationFailedType
from backend.training.bank import loaders as bank_loaders
from backend.training.bank.types import QuestionKindType
from backend.training.exams import flows, loaders, rules
from backend.training.exams.models import Attempt, AttemptAnswer, AttemptState, Exam, Proficiency
from backend.training.exams.rules import RetrainingFlag

AttemptStateType = strawberry.enum(AttemptState, name="ExamAttemptState")
RetrainingFlagType = strawberry.enum(RetrainingFlag, name="RetrainingFlag")


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
        found = await bank_loaders.questions(info.context).load_many([uuid.UUID(q) for q in self.model.question_ids])
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
        attempt = self.model
        if attempt.state is not AttemptState.SUBMITTED:
            return None
        exam = await loaders.exams(info.context).load(attempt.exam_id)
        assert exam is not None
        revealed = flows.answers_visible(exam, attempt, utcnow())
        review: list[ReviewedQuestion] = []
        if revealed:
            found = await bank_loaders.questions(info.context).load_many([uuid.UUID(q) for q in attempt.question_ids])
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


@strawberry.type
class LeaderboardEntry:
    rank: int
    person: PersonType | None
    score: float
    seconds: int


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
class SaveAnswerInput:
    attempt_id: strawberry.ID
    question_id: strawberry.ID
    chosen: list[int]
    revision: int = strawberry.field(default=0, description="grows with each change; an older one never wins")


ExamResult = Annotated[ExamType | NotAllowedType | ValidationFailedType, strawberry.union("ExamResult")]
AttemptResult = Annotated[AttemptType | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
                          strawberry.union("AttemptResult")]
SaveAnswerResult = Annotated[SavedAnswer | InvalidTransitionType | NotAllowedType | NotFoundType | ValidationFailedType,
                             strawberry.union("SaveAnswerResult")]
