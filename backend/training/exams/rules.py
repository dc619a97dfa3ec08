"""Pure exam rules: grading, special operations, retakes, proficiency, rankings, deadlines.

Plain data in, plain data out; no database, no clock (the caller passes `now`).
Every number is a default from DOMAIN.md that a mine may override.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backend.training.bank.rules import QuestionKind

PASS_MARK = 80.0
PROFICIENCY_VALID_DAYS = 365
LAPSING_WARNING_DAYS = 30
MAX_SCORE = 100.0


class RetrainingFlag(enum.StrEnum):
    OK = "OK"
    LAPSING = "LAPSING"   # due within LAPSING_WARNING_DAYS
    LAPSED = "LAPSED"     # past due


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
