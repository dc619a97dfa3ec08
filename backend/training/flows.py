"""Training state changes: checks, the change, and its audit entry in one transaction (the caller commits).

`assign_remedial` is the entry point for other domains: a confirmed violation (a vision event, a
hazard a person caused) assigns the matching remedial micro-course, once per violation.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal, Role
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.locks import sqlite_write_lock
from backend.graphql.errors import InvalidTransitionError, NotAllowedError, NotFoundError, ValidationFailedError
from backend.storage.base import ObjectStore
from backend.storage.models import UploadKind
from backend.storage.service import consume_upload
from backend.training import rules, service
from backend.training.bank_io import BankFormat, QuestionData, RowError, check_question, parse_bank
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
from backend.training.permissions import (
    TRAINING_MANAGERS,
    CanAssessApprentice,
    CanAssignTraining,
    CanManageTraining,
    CanReportViolation,
)
from backend.training.rules import CourseKind, DrawRule

logger = logging.getLogger(__name__)
MAX_TITLE = 200
MAX_TEXT = 20000
MAX_LESSONS = 100
MAX_TIME_LIMIT_MINUTES = 600
REMEDIAL_DUE_DAYS = 7


@dataclass(frozen=True, slots=True)
class LessonData:
    title: str
    kind: LessonKind
    body: str = ""
    media_key: str | None = None
    minutes: int = 0


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


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    imported: list[Question] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _text(value: str | None, name: str, *, required: bool = True, limit: int = MAX_TITLE) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationFailedError(f"{name} is required", field=name)
    if len(cleaned) > limit:
        raise ValidationFailedError(f"{name} is longer than {limit} characters", field=name)
    return cleaned


def _tags(values: Sequence[str]) -> list[str]:
    tags = sorted({v.strip().lower() for v in values if v.strip()})
    if any(len(t) > 64 for t in tags):
        raise ValidationFailedError("a tag is longer than 64 characters", field="skillTags")
    return tags


def course_snapshot(course: Course) -> dict[str, Any]:
    return {"title": course.title, "kind": course.kind, "skill_tags": course.skill_tags,
            "class_hours": course.class_hours, "is_active": course.is_active}


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


def assignment_snapshot(assignment: Assignment) -> dict[str, Any]:
    return {"assignee_id": assignment.assignee_id, "kind": assignment.kind, "course_id": assignment.course_id,
            "exam_id": assignment.exam_id, "due_at": assignment.due_at, "reason": assignment.reason,
            "completed_at": assignment.completed_at, "source_ref": assignment.source_ref}


def link_snapshot(link: Apprenticeship) -> dict[str, Any]:
    return {"mentor_id": link.mentor_id, "apprentice_id": link.apprentice_id, "started_at": link.started_at,
            "second_assessment_passed": link.second_assessment_passed, "released_at": link.released_at,
            "ended_at": link.ended_at}


# --- courses and progress ------------------------------------------------------------------
async def create_course(session: AsyncSession, *, store: ObjectStore, actor: Principal, title: str, description: str,
                        kind: CourseKind, skill_tags: Sequence[str], class_hours: float,
                        lessons: Sequence[LessonData]) -> Course:
    """A course with its ordered lessons; image and video lessons name an uploaded object."""
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    if not lessons:
        raise ValidationFailedError("a course needs at least one lesson", field="lessons")
    if len(lessons) > MAX_LESSONS:
        raise ValidationFailedError(f"at most {MAX_LESSONS} lessons", field="lessons")
    if not 0 < class_hours <= 200:
        raise ValidationFailedError("class hours must be more than 0 and at most 200", field="classHours")
    course = Course(mine_id=actor.mine_id, title=_text(title, "title"),
                    description=_text(description, "description", required=False, limit=MAX_TEXT), kind=kind,
                    skill_tags=_tags(skill_tags), class_hours=float(class_hours), created_by=actor.id)
    session.add(course)
    await session.flush()
    for position, lesson in enumerate(lessons):
        media = lesson.media_key
        if lesson.kind is LessonKind.TEXT:
            if not lesson.body.strip():
                raise ValidationFailedError(f"lesson {position + 1} is a text lesson without text", field="lessons")
            media = None
        elif not media:
            raise ValidationFailedError(f"lesson {position + 1} ({lesson.kind.value}) needs an uploaded file",
                                        field="lessons")
        else:
            kinds = {UploadKind.VIDEO} if lesson.kind is LessonKind.VIDEO else {UploadKind.PHOTO, UploadKind.DOCUMENT}
            await consume_upload(session=session, store=store, actor=actor, key=media, kinds=kinds,
                                 used_by=f"course:{course.id}")
        if lesson.minutes < 0:
            raise ValidationFailedError("lesson minutes cannot be negative", field="lessons")
        session.add(Lesson(course_id=course.id, position=position,
                           title=_text(lesson.title, "lesson title"), kind=lesson.kind,
                           body=_text(lesson.body, "lesson body", required=False, limit=MAX_TEXT),
                           media_key=media, minutes=lesson.minutes))
    await session.flush()
    await record_audit(session, actor=actor, action="training.course_created", subject_type="training_course",
                       subject_id=course.id, before={},
                       after={**course_snapshot(course), "lessons": [ld.title for ld in lessons]})
    return course


async def record_lesson_progress(session: AsyncSession, *, actor: Principal, lesson_id: uuid.UUID,
                                 seconds_spent: int, completed: bool) -> LessonProgress:
    """The trainee's total time on a lesson (kept at its highest) and whether they finished it.

    Idempotent: the same call twice changes nothing. Finishing the last lesson of a course
    completes the person's open assignments of that course.
    """
    if seconds_spent < 0 or seconds_spent > 24 * 3600:
        raise ValidationFailedError("secondsSpent must be between 0 and 86400", field="secondsSpent")
    if completed:
        await sqlite_write_lock(session, actor.mine_id)
    lesson = await session.get(Lesson, lesson_id)
    course = await session.get(Course, lesson.course_id) if lesson else None
    if lesson is None or course is None or course.mine_id != actor.mine_id:
        raise ValidationFailedError("no such lesson in your mine", field="lessonId")
    progress = await session.scalar(select(LessonProgress).where(LessonProgress.user_id == actor.id,
                                                                 LessonProgress.lesson_id == lesson_id)
                                    .with_for_update())
    now = utcnow()
    if progress is None:
        progress = LessonProgress(mine_id=actor.mine_id, user_id=actor.id, course_id=course.id, lesson_id=lesson.id,
                                  seconds_spent=0, started_at=now)
        session.add(progress)
    was_done = progress.completed_at is not None
    progress.seconds_spent = max(progress.seconds_spent or 0, seconds_spent)
    if completed and not was_done:
        progress.completed_at = now
    await session.flush()
    if completed and not was_done:
        await record_audit(session, actor=actor, action="training.lesson_completed", subject_type="training_course",
                           subject_id=course.id, before={"lesson_id": lesson.id, "completed": False},
                           after={"lesson_id": lesson.id, "completed": True,
                                  "seconds_spent": progress.seconds_spent})
        await _complete_course_assignments(session, actor=actor, course=course, now=now)
    return progress


async def _complete_course_assignments(session: AsyncSession, *, actor: Principal, course: Course,
                                       now: datetime) -> None:
    lessons = await service.lessons_of(session=session, course_id=course.id)
    done = await session.scalars(select(LessonProgress.lesson_id).where(
        LessonProgress.user_id == actor.id, LessonProgress.course_id == course.id,
        LessonProgress.completed_at.is_not(None)))
    if {lesson.id for lesson in lessons} - set(done):
        return
    for assignment in await service.assignments_for(session=session, assignee_id=actor.id, open_only=True):
        if assignment.course_id == course.id:
            before = assignment_snapshot(assignment)
            assignment.completed_at = now
            await session.flush()
            await record_audit(session, actor=actor, action="training.assignment_completed",
                               subject_type="training_assignment", subject_id=assignment.id, before=before,
                               after=assignment_snapshot(assignment))


# --- question bank -------------------------------------------------------------------------
def _question_from(data: QuestionData, mine_id: uuid.UUID) -> Question:
    return Question(mine_id=mine_id, kind=data.kind, text=data.text, options=data.options, correct=data.correct,
                    tags=data.tags, difficulty=data.difficulty, explanation=data.explanation)


async def create_question(session: AsyncSession, *, actor: Principal, raw: dict[str, Any]) -> Question:
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    try:
        data = check_question(raw)
    except ValueError as error:
        raise ValidationFailedError(str(error), field="question") from error
    question = _question_from(data, actor.mine_id)
    session.add(question)
    await session.flush()
    await record_audit(session, actor=actor, action="training.question_added", subject_type="training_question",
                       subject_id=question.id, before={}, after={"kind": data.kind, "tags": data.tags,
                                                             "difficulty": data.difficulty})
    return question


async def import_questions(session: AsyncSession, *, actor: Principal, content: str, fmt: BankFormat
                           ) -> ImportOutcome:
    """All rows or none: any bad row (or a text already in the bank) refuses the whole file."""
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    parsed, errors = parse_bank(content, fmt)
    if not errors:
        existing = {q.text for q in await service.questions(session=session, mine_id=actor.mine_id,
                                                            active_only=False)}
        errors = [RowError(row=i, message="this question is already in the bank")
                  for i, q in enumerate(parsed, start=1) if q.text in existing]
    if errors:
        return ImportOutcome(errors=errors)
    questions = [_question_from(data, actor.mine_id) for data in parsed]
    session.add_all(questions)
    await session.flush()
    await record_audit(session, actor=actor, action="training.questions_imported", subject_type="question_bank",
                       subject_id=actor.mine_id, before={},
                       after={"format": fmt, "count": len(questions), "ids": [q.id for q in questions]})
    return ImportOutcome(imported=questions)


async def export_questions(session: AsyncSession, *, actor: Principal, fmt: BankFormat, tag: str | None) -> str:
    from backend.training.bank_io import export_bank

    CanManageTraining.check(actor)
    bank = await service.questions(session=session, mine_id=actor.mine_id, tag=tag)
    return export_bank([QuestionData(kind=q.kind, text=q.text, options=list(q.options), correct=list(q.correct),
                                     tags=list(q.tags), difficulty=q.difficulty, explanation=q.explanation)
                        for q in bank], fmt)


def _bank_entries(bank: Sequence[Question]) -> list[rules.BankEntry]:
    return [rules.BankEntry(id=q.id, tags=frozenset(q.tags), difficulty=q.difficulty) for q in bank]


# --- exams ---------------------------------------------------------------------------------
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
        raise ValidationFailedError(f"the time limit is 1 to {MAX_TIME_LIMIT_MINUTES} minutes",
                                    field="timeLimitMinutes")
    if not 0 < data.pass_mark <= 100:
        raise ValidationFailedError("the pass mark is more than 0 and at most 100", field="passMark")
    if data.max_attempts < 0 or data.retake_wait_minutes < 0:
        raise ValidationFailedError("attempts and waiting time cannot be negative", field="maxAttempts")
    for rule in data.rules:
        if rule.count < 1 or not 1 <= rule.min_difficulty <= rule.max_difficulty <= 5:
            raise ValidationFailedError("each rule draws at least one question, difficulty 1 to 5 with min ≤ max",
                                        field="rules")
    if not data.rules:
        raise ValidationFailedError("an exam needs at least one drawing rule", field="rules")
    draw = [DrawRule(count=r.count, tag=r.tag.strip().lower() if r.tag else None, min_difficulty=r.min_difficulty,
                     max_difficulty=r.max_difficulty) for r in data.rules]
    bank = await service.questions(session=session, mine_id=actor.mine_id)
    try:
        rules.draw_questions(_bank_entries(bank), draw, rng=random.Random(0))
    except rules.NotEnoughQuestions as error:
        raise ValidationFailedError(str(error), field="rules") from error
    opens_at, closes_at = data.opens_at, data.closes_at
    if data.is_competition and (opens_at is None or closes_at is None):
        raise ValidationFailedError("a competition needs an opening and a closing time", field="closesAt")
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailedError("the exam must close after it opens", field="closesAt")
    exam = Exam(mine_id=actor.mine_id, title=_text(data.title, "title"),
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
    if not exam.open_to_all and not await service.has_exam_assignment(session=session, exam_id=exam.id,
                                                                      user_id=actor.id):
        raise NotAllowedError("this exam is not assigned to you")
    if exam.opens_at is not None and now < exam.opens_at:
        raise InvalidTransitionError(f"this exam opens at {exam.opens_at.isoformat(timespec='minutes')}",
                                     current_state="NOT_OPEN")
    if exam.closes_at is not None and now >= exam.closes_at:
        raise InvalidTransitionError("this exam is closed", current_state="CLOSED")


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
        raise InvalidTransitionError(refusal, current_state="NO_RETAKE")
    bank = await service.questions(session=session, mine_id=actor.mine_id)
    last = [uuid.UUID(q) for q in previous[-1].question_ids] if previous else []
    try:
        drawn = rules.draw_questions(_bank_entries(bank), rules_from_json(exam.rules), previous=last,
                                     rng=rng or random.SystemRandom())
    except rules.NotEnoughQuestions as error:
        raise ValidationFailedError(f"the exam cannot be drawn: {error}", field="examId") from error
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


def _insert_for(session: AsyncSession):  # type: ignore[no-untyped-def]
    return postgres_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def save_answer(session: AsyncSession, *, actor: Principal, attempt_id: uuid.UUID, question_id: uuid.UUID,
                      chosen: Sequence[int], revision: int = 0) -> AttemptAnswer:
    """Save one answer as the trainee goes; the same call twice is harmless, an older revision never
    overwrites a newer one, and nothing is accepted after the server-clock deadline or the submit.

    Not audited one by one: the submitted attempt's audit entry carries the whole answer sheet.
    """
    # a shared row lock (PostgreSQL): answers of one attempt go in side by side, a submit waits for them
    lock = {"read": True} if session.get_bind().dialect.name == "postgresql" else None
    attempt = await session.get(Attempt, attempt_id, with_for_update=lock)
    if attempt is None or attempt.mine_id != actor.mine_id:
        raise NotFoundError("no such attempt")
    if attempt.user_id != actor.id:
        raise NotAllowedError("this is someone else's attempt")
    if attempt.state is not AttemptState.IN_PROGRESS:
        raise InvalidTransitionError("this attempt is already submitted", current_state=attempt.state.value)
    now = utcnow()
    if now >= attempt.deadline_at:
        raise InvalidTransitionError("time is up: answers are no longer accepted", current_state="TIME_UP")
    if str(question_id) not in attempt.question_ids:
        raise ValidationFailedError("this question is not part of the attempt", field="questionId")
    question = await session.get(Question, question_id)
    if question is None:
        raise ValidationFailedError("this question is not part of the attempt", field="questionId")
    try:
        picked = rules.check_answer_shape(question.kind, len(question.options), chosen)
    except ValueError as error:
        raise ValidationFailedError(str(error), field="chosen") from error
    if revision < 0:
        raise ValidationFailedError("revision cannot be negative", field="revision")
    insert = _insert_for(session)
    statement = insert(AttemptAnswer).values(id=uuid.uuid4(), attempt_id=attempt.id, question_id=question_id,
                                             chosen=picked, revision=revision, saved_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={"chosen": statement.excluded.chosen, "revision": statement.excluded.revision,
              "saved_at": statement.excluded.saved_at},
        where=AttemptAnswer.revision <= statement.excluded.revision)
    written = (await session.execute(statement.returning(AttemptAnswer.id))).first()
    if written is None:  # an older revision: the newer answer stays
        saved = await session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id,
                                                                 AttemptAnswer.question_id == question_id))
        assert saved is not None
        return saved
    return AttemptAnswer(id=written.id, attempt_id=attempt.id, question_id=question_id, chosen=picked,
                         revision=revision, saved_at=now)


async def submit_attempt(session: AsyncSession, *, actor: Principal, attempt_id: uuid.UUID) -> Attempt:
    """Grade once; a second submit returns the first result unchanged."""
    await sqlite_write_lock(session, actor.mine_id)
    attempt = await service.attempt_or_raise(session=session, attempt_id=attempt_id, mine_id=actor.mine_id,
                                             for_update=True)
    if attempt.user_id != actor.id:
        raise NotAllowedError("this is someone else's attempt")
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
    questions = await service.questions_by_ids(session=session, ids=ids)
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
        await _on_passed(session, actor=actor, exam=exam, attempt=attempt, person_id=actor.id)
    return attempt


async def record_practical_score(session: AsyncSession, *, actor: Principal, attempt_id: uuid.UUID,
                                 score: float) -> Attempt:
    """Special operations: the practical part, scored by a mentor or manager; both parts must reach the mark."""
    await sqlite_write_lock(session, actor.mine_id)
    attempt = await service.attempt_or_raise(session=session, attempt_id=attempt_id, mine_id=actor.mine_id,
                                             for_update=True)
    exam = await service.exam_or_raise(session=session, exam_id=attempt.exam_id, mine_id=actor.mine_id)
    is_mentor = await service.is_mentor_of(session=session, mentor_id=actor.id, apprentice_id=attempt.user_id)
    if not (actor.roles & TRAINING_MANAGERS or (Role.MENTOR in actor.roles and is_mentor)):
        raise NotAllowedError("the practical part is scored by the person's mentor or a training manager")
    if actor.id == attempt.user_id:
        raise NotAllowedError("nobody scores their own practical")
    if not exam.requires_practical:
        raise InvalidTransitionError("this exam has no practical part", current_state=attempt.state.value)
    if attempt.state is not AttemptState.SUBMITTED:
        raise InvalidTransitionError("the theory part is not submitted yet", current_state=attempt.state.value)
    if attempt.practical_score is not None:
        raise InvalidTransitionError("the practical part is already scored", current_state=attempt.state.value)
    if not 0 <= score <= 100:
        raise ValidationFailedError("a score is 0 to 100", field="score")
    before = attempt_snapshot(attempt)
    attempt.practical_score = score
    attempt.passed = rules.special_operation_passed(attempt.score, score, exam.pass_mark)
    await session.flush()
    await record_audit(session, actor=actor, action="training.practical_scored", subject_type="training_attempt",
                       subject_id=attempt.id, before=before, after=attempt_snapshot(attempt))
    if attempt.passed:
        await _on_passed(session, actor=actor, exam=exam, attempt=attempt, person_id=attempt.user_id)
    return attempt


async def _on_passed(session: AsyncSession, *, actor: Principal, exam: Exam, attempt: Attempt,
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
    for assignment in await service.assignments_for(session=session, assignee_id=person_id, open_only=True):
        if assignment.exam_id == exam.id:
            before_assignment = assignment_snapshot(assignment)
            assignment.completed_at = now
            await session.flush()
            await record_audit(session, actor=actor, action="training.assignment_completed",
                               subject_type="training_assignment", subject_id=assignment.id,
                               before=before_assignment, after=assignment_snapshot(assignment))


# --- mentors, apprentices and assignments ------------------------------------------------
async def link_apprentice(session: AsyncSession, *, actor: Principal, mentor_id: uuid.UUID, apprentice_id: uuid.UUID,
                          started_at: datetime | None) -> Apprenticeship:
    """Put an apprentice under a mentor for the supervised period (one current mentor per apprentice)."""
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    mentor = await service.person_in_mine_or_raise(session=session, user_id=mentor_id, mine_id=actor.mine_id)
    await service.person_in_mine_or_raise(session=session, user_id=apprentice_id, mine_id=actor.mine_id)
    if Role.MENTOR.value not in mentor.roles:
        raise ValidationFailedError("the mentor must hold the mentor role", field="mentorId")
    if mentor_id == apprentice_id:
        raise ValidationFailedError("a mentor cannot be their own apprentice", field="apprenticeId")
    if await service.active_apprenticeship(session=session, apprentice_id=apprentice_id) is not None:
        raise InvalidTransitionError("this apprentice already has a mentor", current_state="SUPERVISED")
    now = utcnow()
    start = started_at or now
    if start > now + timedelta(days=31):
        raise ValidationFailedError("the supervised period starts within a month", field="startedAt")
    link = Apprenticeship(mine_id=actor.mine_id, mentor_id=mentor_id, apprentice_id=apprentice_id, started_at=start,
                          supervised_months=rules.SUPERVISED_MONTHS)
    session.add(link)
    await session.flush()
    await record_audit(session, actor=actor, action="training.apprentice_linked", subject_type="apprenticeship",
                       subject_id=link.id, before={}, after=link_snapshot(link))
    return link


async def record_second_assessment(session: AsyncSession, *, actor: Principal, link_id: uuid.UUID, passed: bool,
                                   note: str | None) -> Apprenticeship:
    """After the supervised period: pass releases the apprentice to work alone; fail keeps them supervised."""
    await sqlite_write_lock(session, actor.mine_id)
    link = await session.get(Apprenticeship, link_id, with_for_update=True)
    if link is None or link.mine_id != actor.mine_id:
        raise NotFoundError("no such apprenticeship")
    CanAssessApprentice.check(actor, mentor_id=link.mentor_id)
    now = utcnow()
    stage = rules.apprenticeship_stage(started_at=link.started_at, now=now, ended_at=link.ended_at,
                                       second_assessment_passed_at=link.released_at,
                                       months=link.supervised_months)
    if stage is not rules.ApprenticeshipStage.AWAITING_ASSESSMENT:
        raise InvalidTransitionError(
            f"the second assessment comes after the supervised period (until "
            f"{rules.supervised_until(link.started_at, link.supervised_months).date().isoformat()})"
            if stage is rules.ApprenticeshipStage.SUPERVISED else "this apprenticeship is finished",
            current_state=stage.value)
    text = _text(note, "note", required=not passed, limit=2000)
    before = link_snapshot(link)
    link.second_assessment_at = now
    link.second_assessment_passed = passed
    link.second_assessment_note = text or None
    if passed:
        link.released_at = now
        link.ended_at = now
    await session.flush()
    await record_audit(session, actor=actor, action="training.second_assessment", subject_type="apprenticeship",
                       subject_id=link.id, before=before, after=link_snapshot(link), reason=text or None)
    return link


async def assign(session: AsyncSession, *, actor: Principal, assignee_id: uuid.UUID, course_id: uuid.UUID | None,
                 exam_id: uuid.UUID | None, due_at: datetime, note: str | None) -> Assignment:
    """A mentor assigns to their own apprentices, a training manager to anyone of the mine."""
    await sqlite_write_lock(session, actor.mine_id)
    if (course_id is None) == (exam_id is None):
        raise ValidationFailedError("name exactly one of a course or an exam", field="courseId")
    await service.person_in_mine_or_raise(session=session, user_id=assignee_id, mine_id=actor.mine_id)
    mentor = await service.is_mentor_of(session=session, mentor_id=actor.id, apprentice_id=assignee_id)
    CanAssignTraining.check(actor, is_their_apprentice=mentor)
    if due_at <= utcnow():
        raise ValidationFailedError("the due date must be in the future", field="dueAt")
    if course_id is not None:
        course = await service.course_or_raise(session=session, course_id=course_id, mine_id=actor.mine_id)
        if not course.is_active:
            raise ValidationFailedError("this course is archived", field="courseId")
    else:
        assert exam_id is not None
        await service.exam_or_raise(session=session, exam_id=exam_id, mine_id=actor.mine_id)
    assignment = Assignment(mine_id=actor.mine_id, assignee_id=assignee_id, assigned_by=actor.id,
                            kind=AssignmentKind.COURSE if course_id else AssignmentKind.EXAM, course_id=course_id,
                            exam_id=exam_id, due_at=due_at,
                            note=_text(note, "note", required=False, limit=2000) or None)
    session.add(assignment)
    await session.flush()
    await record_audit(session, actor=actor, action="training.assigned", subject_type="training_assignment",
                       subject_id=assignment.id, before={}, after=assignment_snapshot(assignment))
    return assignment


async def assign_remedial(session: AsyncSession, *, actor: Principal | None, mine_id: uuid.UUID,
                          person_id: uuid.UUID, violation: str, source_ref: str, skill: str | None = None,
                          due_days: int = REMEDIAL_DUE_DAYS) -> Assignment | None:
    """After a confirmed violation: assign the remedial micro-course for the skill, once per source_ref.

    For other domains (vision events, hazards a person caused); actor None means the system.
    Returns None when the mine has no remedial course (logged).
    """
    if actor is not None and actor.mine_id != mine_id:
        raise NotAllowedError("a violation is recorded in your own mine")
    await sqlite_write_lock(session, mine_id)
    ref = _text(source_ref, "sourceRef", limit=120)
    existing = await service.assignment_by_source(session=session, mine_id=mine_id, assignee_id=person_id,
                                                  source_ref=ref)
    if existing is not None:
        return existing
    await service.person_in_mine_or_raise(session=session, user_id=person_id, mine_id=mine_id)
    course = await service.remedial_course_for(session=session, mine_id=mine_id,
                                               skill=skill.strip().lower() if skill else None)
    if course is None:
        logger.warning("no remedial course in mine %s for %s (violation %s)", mine_id, skill, ref)
        return None
    assignment = Assignment(mine_id=mine_id, assignee_id=person_id, assigned_by=actor.id if actor else None,
                            kind=AssignmentKind.COURSE, course_id=course.id, reason=AssignmentReason.REMEDIAL,
                            note=_text(violation, "violation", limit=2000), source_ref=ref,
                            due_at=utcnow() + timedelta(days=due_days))
    session.add(assignment)
    await session.flush()
    await record_audit(session, actor=actor, mine_id=mine_id, action="training.remedial_assigned",
                       subject_type="training_assignment", subject_id=assignment.id, before={},
                       after=assignment_snapshot(assignment), reason=assignment.note)
    return assignment


async def confirm_violation(session: AsyncSession, *, actor: Principal, person_id: uuid.UUID, violation: str,
                            source_ref: str, skill: str | None) -> Assignment | None:
    """A safety officer or manager confirms a person's violation; the remedial course follows."""
    CanReportViolation.check(actor)
    return await assign_remedial(session, actor=actor, mine_id=actor.mine_id, person_id=person_id,
                                 violation=violation, source_ref=source_ref, skill=skill)
