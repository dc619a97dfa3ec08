"""Exam changes: checks, the change and its audit entry in one transaction (the caller commits)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from backend.accounts.roles import Principal
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import sqlite_write_lock
from backend.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.training.bank import flows as bank_flows
from backend.training.bank import rules as bank_rules
from backend.training.bank import service as bank_service
from backend.training.bank.models import Question
from backend.training.bank.rules import DrawRule
from backend.training.courses import flows as course_flows
from backend.training.courses import service as course_service
from backend.training.exams import rules, service
from backend.training.exams.models import Attempt, AttemptAnswer, AttemptState, Exam, Proficiency
from backend.training.permissions import CanManageTraining

MAX_TIME_LIMIT_MINUTES = 600


@dataclass(frozen=True, slots=True)
class ExamData:
    title: str
    rules: Sequence[DrawRule]
    time_limit_minutes: int
    skill: str | None = None
    pass_mark: float = rules.PASS_MARK
    max_attempts: int = 3
    retake_wait_minutes: int = 0
    requires_practical: bool = False
    open_to_all: bool = False
    is_competition: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def exam_snapshot(exam: Exam) -> dict[str, Any]:
    return {"title": exam.title, "skill": exam.skill, "rules": exam.rules,
            "time_limit_minutes": exam.time_limit_minutes,
            "pass_mark": exam.pass_mark, "max_attempts": exam.max_attempts, "open_to_all": exam.open_to_all,
            "is_competition": exam.is_competition, "opens_at": exam.opens_at, "closes_at": exam.closes_at,
            "requires_practical": exam.requires_practical}


def attempt_snapshot(attempt: Attempt) -> dict[str, Any]:
    return {"state": attempt.state, "number": attempt.number, "score": attempt.score, "passed": attempt.passed,
            "practical_score": attempt.practical_score, "deadline_at": attempt.deadline_at,
            "submitted_at": attempt.submitted_at}


def rules_to_json(draw: Sequence[DrawRule]) -> list[dict[str, Any]]:
    return [{"count": r.count, "tag": r.tag, "min_difficulty": r.min_difficulty, "max_difficulty": r.max_difficulty}
            for r in draw]


def rules_from_json(raw: Sequence[dict[str, Any]]) -> list[DrawRule]:
    return [DrawRule(count=int(r["count"]), tag=r.get("tag"), min_difficulty=int(r.get("min_difficulty", 1)),
                     max_difficulty=int(r.get("max_difficulty", 5))) for r in raw]


async def create_exam(session: AsyncSession, *, actor: Principal, data: ExamData) -> Exam:
    """An exam (or a skill competition); its rules must be satisfiable by today's bank."""
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    if not 1 <= data.time_limit_minutes <= MAX_TIME_LIMIT_MINUTES:
        raise ValidationFailed(f"the time limit is 1 to {MAX_TIME_LIMIT_MINUTES} minutes",
                                    field="timeLimitMinutes")
    if not 0 < data.pass_mark <= 100:
        raise ValidationFailed("the pass mark is more than 0 and at most 100", field="passMark")
    if data.max_attempts < 0 or data.retake_wait_minutes < 0:
        raise ValidationFailed("attempts and waiting time cannot be negative", field="maxAttempts")
    for rule in data.rules:
        if rule.count < 1 or not 1 <= rule.min_difficulty <= rule.max_difficulty <= 5:
            raise ValidationFailed("each rule draws at least one question, difficulty 1 to 5 with min ≤ max",
                                        field="rules")
    if not data.rules:
        raise ValidationFailed("an exam needs at least one drawing rule", field="rules")
    draw = [DrawRule(count=r.count, tag=r.tag.strip().lower() if r.tag else None, min_difficulty=r.min_difficulty,
                     max_difficulty=r.max_difficulty) for r in data.rules]
    bank = await bank_service.questions(session=session, mine_id=actor.mine_id)
    try:
        bank_rules.draw_questions(bank_flows.bank_entries(bank), draw, rng=random.Random(0))
    except bank_rules.NotEnoughQuestions as error:
        raise ValidationFailed(str(error), field="rules") from error
    opens_at, closes_at = data.opens_at, data.closes_at
    if data.is_competition and (opens_at is None or closes_at is None):
        raise ValidationFailed("a competition needs an opening and a closing time", field="closesAt")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed("the exam must close after it opens", field="closesAt")
    exam = Exam(mine_id=actor.mine_id, title=course_flows.training_text(data.title, "title"),
                skill=data.skill.strip().lower() if data.skill else None, rules=rules_to_json(draw),
                time_limit_minutes=data.time_limit_minutes, pass_mark=data.pass_mark,
                max_attempts=1 if data.is_competition else data.max_attempts,
                retake_wait_minutes=data.retake_wait_minutes, requires_practical=data.requires_practical,
                open_to_all=data.open_to_all or data.is_competition, is_competition=data.is_competition,
                opens_at=opens_at, closes_at=closes_at, created_by=actor.id)
    session.add(exam)
    await session.flush()
    await record_audit(session, actor=actor, action="training.exam_created", subject_type="training_exam",
                       subject_id=exam.id, before={}, after=exam_snapshot(exam))
    return exam


def answers_visible(exam: Exam, attempt: Attempt, now: datetime) -> bool:
    """Correct answers show only on a submitted attempt, and for a competition only once it closed."""
    if attempt.state is not AttemptState.SUBMITTED:
        return False
    return not exam.is_competition or (exam.closes_at is not None and now >= exam.closes_at)


async def _may_take(session: AsyncSession, actor: Principal, exam: Exam, now: datetime) -> None:
    if not exam.open_to_all and not await course_service.has_exam_assignment(session=session, exam_id=exam.id,
                                                                      user_id=actor.id):
        raise NotAllowed("this exam is not assigned to you")
    if exam.opens_at is not None and now < exam.opens_at:
        raise InvalidTransition(f"this exam opens at {exam.opens_at.isoformat(timespec='minutes')}",
                                     current_state="NOT_OPEN")
    if exam.closes_at is not None and now >= exam.closes_at:
        raise InvalidTransition("this exam is closed", current_state="CLOSED")


async def start_attempt(session: AsyncSession, *, actor: Principal, exam_id: uuid.UUID,
                        rng: random.Random | None = None) -> Attempt:
    """Resume the person's running attempt, or draw a new one if the retake policy allows.

    An attempt whose time ran out unsubmitted is graded first with what was saved in time.
    """
    await sqlite_write_lock(session, actor.mine_id)
    exam = await service.exam_or_raise(session=session, exam_id=exam_id, mine_id=actor.mine_id)
    now = utcnow()
    running = await service.open_attempt(session=session, exam_id=exam.id, user_id=actor.id)
    if running is not None:
        if now < running.deadline_at:
            return running
        await submit_attempt(session, actor=actor, attempt_id=running.id)
    await _may_take(session, actor, exam, now)
    previous = await service.attempts_of(session=session, exam_id=exam.id, user_id=actor.id)
    refusal = rules.retake_refusal(
        [rules.PastAttempt(started_at=a.started_at, submitted_at=a.submitted_at, passed=a.passed) for a in previous],
        rules.RetakePolicy(max_attempts=exam.max_attempts, wait_minutes=exam.retake_wait_minutes), now)
    if refusal:
        raise InvalidTransition(refusal, current_state="NO_RETAKE")
    bank = await bank_service.questions(session=session, mine_id=actor.mine_id)
    last = [uuid.UUID(q) for q in previous[-1].question_ids] if previous else []
    try:
        drawn = bank_rules.draw_questions(bank_flows.bank_entries(bank), rules_from_json(exam.rules), previous=last,
                                     rng=rng or random.SystemRandom())
    except bank_rules.NotEnoughQuestions as error:
        raise ValidationFailed(f"the exam cannot be drawn: {error}", field="examId") from error
    attempt = Attempt(mine_id=actor.mine_id, exam_id=exam.id, user_id=actor.id, number=len(previous) + 1,
                      state=AttemptState.IN_PROGRESS, question_ids=[str(q) for q in drawn], started_at=now,
                      deadline_at=rules.attempt_deadline(now, exam.time_limit_minutes, exam.closes_at))
    try:
        async with session.begin_nested():   # a second start at the same moment (a double tap, a retry)
            session.add(attempt)
    except IntegrityError:
        raced = await service.open_attempt(session=session, exam_id=exam.id, user_id=actor.id)
        if raced is None:
            raise
        return raced
    await record_audit(session, actor=actor, action="training.attempt_started", subject_type="training_attempt",
                       subject_id=attempt.id, before={},
                       after={**attempt_snapshot(attempt), "exam_id": exam.id, "question_ids": attempt.question_ids})
    return attempt


async def save_answer(connection: AsyncConnection, *, actor: Principal, attempt_id: uuid.UUID,
                      question_id: uuid.UUID, chosen: Sequence[int], revision: int = 0) -> AttemptAnswer:
    """Save one answer as the trainee goes; the same call twice is harmless, an older revision never
    overwrites a newer one, and nothing is accepted after the server-clock deadline or the submit.

    One statement does it all when the save is good (`service.save_answer_statement`: every check in its
    WHERE, the attempt row shared-locked on PostgreSQL so that a submit waits for it); only a refused save
    or an older revision takes the second, explaining path. Not audited one by one, so saves never queue on
    the mine's audit chain: the answer row keeps the latest revision and its server time, and the submitted
    attempt's audit entry carries the whole answer sheet.

    On a Core connection, not an ORM session: the hottest write of an exam (500 people saving at once) needs
    none of the session's unit of work, which cost about a tenth of a save's CPU. The caller commits.
    """
    picked = sorted(set(chosen))
    if revision >= 0 and (not picked or picked[0] >= 0):
        statement, params = service.save_answer_statement(
            connection.dialect.name, mine_id=actor.mine_id, user_id=actor.id, attempt_id=attempt_id,
            question_id=question_id, picked=picked, revision=revision, now=utcnow())
        written = (await connection.execute(statement, params)).first()
        if written is not None:
            return AttemptAnswer(id=written.id, attempt_id=attempt_id, question_id=question_id, chosen=picked,
                                 revision=revision, saved_at=written.saved_at)
    return await _refused_or_older(connection, actor=actor, attempt_id=attempt_id, question_id=question_id,
                                   chosen=chosen, revision=revision)


async def _refused_or_older(connection: AsyncConnection, *, actor: Principal, attempt_id: uuid.UUID,
                            question_id: uuid.UUID, chosen: Sequence[int], revision: int) -> AttemptAnswer:
    """Why the save was refused (the checks one by one, in order), or the newer answer that stays."""
    attempt = (await connection.execute(
        select(Attempt.mine_id, Attempt.user_id, Attempt.state, Attempt.deadline_at, Attempt.question_ids)
        .where(Attempt.id == attempt_id))).first()
    if attempt is None or attempt.mine_id != actor.mine_id:
        raise NotFound("no such attempt")
    if attempt.user_id != actor.id:
        raise NotAllowed("this is someone else's attempt")
    if attempt.state is not AttemptState.IN_PROGRESS:
        raise InvalidTransition("this attempt is already submitted", current_state=attempt.state.value)
    if utcnow() >= attempt.deadline_at:
        raise InvalidTransition("time is up: answers are no longer accepted", current_state="TIME_UP")
    question = (await connection.execute(select(Question.kind, Question.options).where(Question.id == question_id))
                ).first() if str(question_id) in attempt.question_ids else None
    if question is None:
        raise ValidationFailed("this question is not part of the attempt", field="questionId")
    try:
        bank_rules.check_answer_shape(question.kind, len(question.options), chosen)
    except ValueError as error:
        raise ValidationFailed(str(error), field="chosen") from error
    if revision < 0:
        raise ValidationFailed("revision cannot be negative", field="revision")
    saved = (await connection.execute(select(AttemptAnswer.__table__).where(
        AttemptAnswer.attempt_id == attempt_id, AttemptAnswer.question_id == question_id))).first()
    if saved is None:  # the attempt changed between the two statements (never seen): say so, nothing is saved
        raise InvalidTransition("the attempt changed while saving; save again", current_state=attempt.state.value)
    return AttemptAnswer(**saved._mapping)  # an older revision: the newer answer stays


async def submit_attempt(session: AsyncSession, *, actor: Principal, attempt_id: uuid.UUID) -> Attempt:
    """Grade once; a second submit returns the first result unchanged."""
    await sqlite_write_lock(session, actor.mine_id)
    attempt = await service.attempt_or_raise(session=session, attempt_id=attempt_id, mine_id=actor.mine_id,
                                             for_update=True)
    if attempt.user_id != actor.id:
        raise NotAllowed("this is someone else's attempt")
    if attempt.state is AttemptState.SUBMITTED:
        return attempt
    before = attempt_snapshot(attempt)
    # claim the attempt with a conditional update: of two submits at once exactly one grades (SQLite has no
    # row locks; on PostgreSQL the row lock above already serializes them)
    claimed = await session.execute(update(Attempt).where(Attempt.id == attempt.id,
                                                          Attempt.state == AttemptState.IN_PROGRESS)
                                    .values(state=AttemptState.SUBMITTED).execution_options(synchronize_session=False))
    if claimed.rowcount == 0:  # type: ignore[attr-defined]
        await session.refresh(attempt)
        return attempt
    exam = await service.exam_or_raise(session=session, exam_id=attempt.exam_id, mine_id=actor.mine_id)
    ids = [uuid.UUID(q) for q in attempt.question_ids]
    questions = await bank_service.questions_by_ids(session=session, ids=ids)
    answers = await service.answers_of(session=session, attempt_id=attempt.id)
    now = utcnow()
    in_time = {qid: a.chosen for qid, a in answers.items() if a.saved_at < attempt.deadline_at}
    result = rules.grade([rules.GradingQuestion(id=q.id, kind=q.kind, option_count=len(q.options),
                                                correct=frozenset(q.correct)) for q in questions],
                         in_time, pass_mark=exam.pass_mark)
    attempt.state = AttemptState.SUBMITTED
    attempt.submitted_at = min(now, attempt.deadline_at)
    attempt.score = result.score
    attempt.correct_count = result.correct_count
    attempt.passed = result.passed and not exam.requires_practical
    await session.flush()
    await record_audit(session, actor=actor, action="training.attempt_submitted", subject_type="training_attempt",
                       subject_id=attempt.id, before=before,
                       after={**attempt_snapshot(attempt), "late": now > attempt.deadline_at,
                              "answers": {str(k): v for k, v in in_time.items()}})
    if attempt.passed:
        await on_passed(session, actor=actor, exam=exam, attempt=attempt, person_id=actor.id)
    return attempt


async def on_passed(session: AsyncSession, *, actor: Principal, exam: Exam, attempt: Attempt,
                     person_id: uuid.UUID) -> None:
    """A pass updates the skill's proficiency and completes the person's assignments of the exam."""
    now = utcnow()
    if exam.skill:
        found = await session.scalar(select(Proficiency).where(Proficiency.user_id == person_id,
                                                               Proficiency.skill == exam.skill).with_for_update())
        before = {} if found is None else {"score": found.score, "passed_at": found.passed_at, "due_at": found.due_at}
        if found is None:
            found = Proficiency(mine_id=exam.mine_id, user_id=person_id, skill=exam.skill, score=0.0,
                                exam_id=exam.id, passed_at=now, due_at=now)
            session.add(found)
        found.score = attempt.score or 0.0
        found.exam_id = exam.id
        found.passed_at = now
        found.due_at = now + timedelta(days=rules.PROFICIENCY_VALID_DAYS)
        await session.flush()
        await record_audit(session, actor=actor, action="training.proficiency_updated", subject_type="person",
                           subject_id=person_id, before=before,
                           after={"skill": exam.skill, "score": found.score, "passed_at": found.passed_at,
                                  "due_at": found.due_at, "attempt_id": attempt.id})
    await course_flows.complete_assignments(session, actor=actor, person_id=person_id, now=now, exam_id=exam.id)
