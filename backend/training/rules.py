"""Pure training rules: grading, drawing questions, class hours, apprenticeship, retakes, rankings.

Plain data in, plain data out; no database, no clock (the caller passes `now`), no global RNG.
Every number is a default from DOMAIN.md that a mine may override.
"""

from __future__ import annotations

import enum
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

PASS_MARK = 80.0
INDUCTION_HOURS = 72.0
YEARLY_RETRAINING_HOURS = 20.0
SUPERVISED_MONTHS = 4
PROFICIENCY_VALID_DAYS = 365
LAPSING_WARNING_DAYS = 30
MAX_SCORE = 100.0


class QuestionKind(enum.StrEnum):
    SINGLE = "SINGLE"
    MULTIPLE = "MULTIPLE"
    TRUE_FALSE = "TRUE_FALSE"


class CourseKind(enum.StrEnum):
    INDUCTION = "INDUCTION"       # counts toward the 72-hour induction of a new underground worker
    RETRAINING = "RETRAINING"     # counts toward the 20 hours a year
    SKILL = "SKILL"               # counts toward the 20 hours a year
    REMEDIAL = "REMEDIAL"         # a micro-course after a violation; counts toward the 20 hours


class ApprenticeshipStage(enum.StrEnum):
    SUPERVISED = "SUPERVISED"                 # inside the 4-month supervised period
    AWAITING_ASSESSMENT = "AWAITING_ASSESSMENT"  # the period is over; the second assessment is due
    MAY_WORK_ALONE = "MAY_WORK_ALONE"         # second assessment passed
    ENDED = "ENDED"                           # the link was closed without release


class RetrainingFlag(enum.StrEnum):
    OK = "OK"
    LAPSING = "LAPSING"   # due within LAPSING_WARNING_DAYS
    LAPSED = "LAPSED"     # past due


# --- grading -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GradingQuestion:
    id: uuid.UUID
    kind: QuestionKind
    option_count: int
    correct: frozenset[int]


@dataclass(frozen=True, slots=True)
class Grade:
    score: float                      # out of 100, one decimal
    passed: bool
    correct_count: int
    total: int
    correct_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)


def check_answer_shape(kind: QuestionKind, option_count: int, chosen: Iterable[int]) -> list[int]:
    """The chosen option indexes, sorted and unique; raises ValueError for an impossible answer."""
    picked = sorted(set(chosen))
    if any(i < 0 or i >= option_count for i in picked):
        raise ValueError(f"options are numbered 0 to {option_count - 1}")
    if kind is not QuestionKind.MULTIPLE and len(picked) > 1:
        raise ValueError("this question takes one answer")
    return picked


def is_correct(question: GradingQuestion, chosen: Iterable[int] | None) -> bool:
    """Single and true/false: the one right option; multiple choice: exactly the right set."""
    if chosen is None:
        return False
    picked = frozenset(chosen)
    if not picked:
        return False
    if question.kind is not QuestionKind.MULTIPLE and len(picked) != 1:
        return False
    return picked == question.correct


def grade(questions: Sequence[GradingQuestion], answers: Mapping[uuid.UUID, Iterable[int]],
          pass_mark: float = PASS_MARK) -> Grade:
    """Score out of 100 with every question weighted equally; passes at pass_mark or above."""
    if not questions:
        raise ValueError("an exam needs at least one question")
    right = frozenset(q.id for q in questions if is_correct(q, answers.get(q.id)))
    score = round(MAX_SCORE * len(right) / len(questions), 1)
    return Grade(score=score, passed=score >= pass_mark, correct_count=len(right), total=len(questions),
                 correct_ids=right)


def special_operation_passed(theory: float | None, practice: float | None, pass_mark: float = PASS_MARK) -> bool:
    """Special operations (特种作业) pass only when theory and practice both reach the pass mark."""
    return theory is not None and practice is not None and theory >= pass_mark and practice >= pass_mark


# --- drawing questions ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BankEntry:
    id: uuid.UUID
    tags: frozenset[str]
    difficulty: int


@dataclass(frozen=True, slots=True)
class DrawRule:
    """Draw `count` questions carrying `tag` (any tag when None) within a difficulty range."""

    count: int
    tag: str | None = None
    min_difficulty: int = 1
    max_difficulty: int = 5

    def matches(self, entry: BankEntry) -> bool:
        return ((self.tag is None or self.tag in entry.tags)
                and self.min_difficulty <= entry.difficulty <= self.max_difficulty)


class NotEnoughQuestions(ValueError):
    def __init__(self, rule: DrawRule, available: int) -> None:
        what = f"tag {rule.tag!r}" if rule.tag else "any tag"
        super().__init__(f"the bank has {available} question(s) for {what} at difficulty "
                         f"{rule.min_difficulty}-{rule.max_difficulty}; the exam needs {rule.count}")
        self.rule = rule
        self.available = available


def draw_questions(bank: Sequence[BankEntry], rules: Sequence[DrawRule], *, previous: Iterable[uuid.UUID] = (),
                   rng: random.Random) -> list[uuid.UUID]:
    """Questions for one attempt: each rule in turn, never the same question twice in an attempt,
    and questions of the person's previous attempt only when the bank has too few others.

    Deterministic for a given rng seed (the bank is sorted first, so its order does not matter).
    """
    if not rules:
        raise ValueError("an exam needs at least one drawing rule")
    seen_before = set(previous)
    ordered = sorted(bank, key=lambda e: str(e.id))
    chosen: list[uuid.UUID] = []
    taken: set[uuid.UUID] = set()
    for rule in rules:
        if rule.count < 1:
            raise ValueError("each rule draws at least one question")
        candidates = [e.id for e in ordered if e.id not in taken and rule.matches(e)]
        if len(candidates) < rule.count:
            raise NotEnoughQuestions(rule, len(candidates))
        fresh = [c for c in candidates if c not in seen_before]
        repeats = [c for c in candidates if c in seen_before]
        if len(fresh) >= rule.count:
            picked = rng.sample(fresh, rule.count)
        else:
            picked = fresh + rng.sample(repeats, rule.count - len(fresh))
        rng.shuffle(picked)
        chosen.extend(picked)
        taken.update(picked)
    return chosen


# --- class hours ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LessonCredit:
    """One finished lesson: its course's kind and the hours it is worth."""

    course_kind: CourseKind
    hours: float
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class Hours:
    induction: float
    induction_required: float
    retraining_last_year: float
    retraining_required: float

    @property
    def induction_complete(self) -> bool:
        return self.induction >= self.induction_required

    @property
    def retraining_complete(self) -> bool:
        return self.retraining_last_year >= self.retraining_required


def lesson_hours(class_hours: float, lesson_count: int) -> float:
    """A course's class hours shared equally among its lessons."""
    return class_hours / lesson_count if lesson_count else 0.0


def training_hours(credits: Iterable[LessonCredit], now: datetime, *, induction_required: float = INDUCTION_HOURS,
                   retraining_required: float = YEARLY_RETRAINING_HOURS) -> Hours:
    """Induction hours ever, and other training hours in the 365 days before now."""
    year_ago = now - timedelta(days=365)
    induction = retraining = 0.0
    for credit in credits:
        if credit.course_kind is CourseKind.INDUCTION:
            induction += credit.hours
        elif year_ago < credit.completed_at <= now:
            retraining += credit.hours
    return Hours(induction=round(induction, 2), induction_required=induction_required,
                 retraining_last_year=round(retraining, 2), retraining_required=retraining_required)


# --- apprenticeship (师带徒) ----------------------------------------------------------------
def add_months(start: datetime, months: int) -> datetime:
    """The same day `months` later (clamped to the month's last day)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    days_in_month = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
                     31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return start.replace(year=year, month=month, day=min(start.day, days_in_month))


def supervised_until(started_at: datetime, months: int = SUPERVISED_MONTHS) -> datetime:
    return add_months(started_at, months)


def apprenticeship_stage(*, started_at: datetime, now: datetime, second_assessment_passed_at: datetime | None,
                         ended_at: datetime | None = None, months: int = SUPERVISED_MONTHS) -> ApprenticeshipStage:
    """Supervised for `months`, then awaiting the second assessment, then free to work alone."""
    if second_assessment_passed_at is not None:
        return ApprenticeshipStage.MAY_WORK_ALONE
    if ended_at is not None:
        return ApprenticeshipStage.ENDED
    if now < supervised_until(started_at, months):
        return ApprenticeshipStage.SUPERVISED
    return ApprenticeshipStage.AWAITING_ASSESSMENT


# --- retakes, proficiency, rankings --------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PastAttempt:
    started_at: datetime
    submitted_at: datetime | None
    passed: bool | None


@dataclass(frozen=True, slots=True)
class RetakePolicy:
    max_attempts: int = 3          # 0: unlimited
    wait_minutes: int = 0          # between a failed attempt and the next


def retake_refusal(previous: Sequence[PastAttempt], policy: RetakePolicy, now: datetime) -> str | None:
    """Why a new attempt may not start (None when it may)."""
    if any(p.passed for p in previous):
        return "this exam is already passed"
    if policy.max_attempts and len(previous) >= policy.max_attempts:
        return f"all {policy.max_attempts} attempt(s) are used"
    finished = [p.submitted_at for p in previous if p.submitted_at is not None]
    if finished and policy.wait_minutes:
        ready = max(finished) + timedelta(minutes=policy.wait_minutes)
        if now < ready:
            return f"a retake is possible from {ready.isoformat(timespec='minutes')}"
    return None


def retraining_flag(due_at: datetime | None, now: datetime, warning_days: int = LAPSING_WARNING_DAYS
                    ) -> RetrainingFlag:
    if due_at is None:
        return RetrainingFlag.OK
    if due_at <= now:
        return RetrainingFlag.LAPSED
    if due_at <= now + timedelta(days=warning_days):
        return RetrainingFlag.LAPSING
    return RetrainingFlag.OK


@dataclass(frozen=True, slots=True)
class Finisher:
    person_id: uuid.UUID
    score: float
    seconds: float


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    finisher: Finisher


def rank(finishers: Iterable[Finisher]) -> list[Ranked]:
    """Higher score first, then faster; equal score and time share a rank (1, 2, 2, 4)."""
    ordered = sorted(finishers, key=lambda f: (-f.score, f.seconds, str(f.person_id)))
    ranked: list[Ranked] = []
    for position, finisher in enumerate(ordered, start=1):
        previous = ranked[-1] if ranked else None
        tied = previous is not None and (previous.finisher.score, previous.finisher.seconds) == (
            finisher.score, finisher.seconds)
        ranked.append(Ranked(rank=previous.rank if tied and previous else position, finisher=finisher))
    return ranked


def attempt_deadline(started_at: datetime, time_limit_minutes: int, closes_at: datetime | None) -> datetime:
    """The server-clock end of an attempt: its time limit, cut short by the exam's closing time."""
    end = started_at + timedelta(minutes=time_limit_minutes)
    return min(end, closes_at) if closes_at is not None else end
