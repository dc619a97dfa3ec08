"""The training-record read model: what one person has done and passed, read from the other sub-packages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.training.courses import service as course_service
from backend.training.courses.models import Assignment, Course, Lesson, LessonProgress
from backend.training.courses.rules import CourseKind, lesson_hours
from backend.training.exams import rules as exam_rules
from backend.training.exams import service as exam_service
from backend.training.exams.models import Attempt, Exam, Proficiency
from backend.training.exams.rules import retraining_flag
from backend.training.mentoring import service as mentoring_service
from backend.training.mentoring.models import Apprenticeship
from backend.training.record import rules
from backend.training.record.rules import Hours, LessonCredit


@dataclass(frozen=True, slots=True)
class ExamResult:
    """A person's handed-in attempts at one exam."""

    exam: Exam
    attempts: int
    best_score: float | None
    last_score: float | None
    passed: bool | None
    last_submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class PersonRecord:
    person: User
    hours: Hours
    assignments: Sequence[Assignment]
    overdue_count: int
    proficiencies: Sequence[Proficiency]
    retraining_flag: exam_rules.RetrainingFlag
    apprenticeship: Apprenticeship | None
    exam_results: list[ExamResult]


async def lesson_credits(*, session: AsyncSession, user_id: uuid.UUID) -> list[LessonCredit]:
    """Hours earned by each finished lesson of a person (the course's hours shared among its lessons)."""
    counts = (select(Lesson.course_id, func.count(Lesson.id).label("n")).group_by(Lesson.course_id).subquery())
    rows = await session.execute(
        select(Course.kind, Course.class_hours, counts.c.n, LessonProgress.completed_at)
        .join(LessonProgress, LessonProgress.course_id == Course.id)
        .join(counts, counts.c.course_id == Course.id)
        .where(LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None)))
    return [LessonCredit(course_kind=CourseKind(kind), hours=lesson_hours(hours, n), completed_at=done)
            for kind, hours, n, done in rows]


async def exam_results(*, session: AsyncSession, user_id: uuid.UUID) -> list[ExamResult]:
    """Each exam the person has handed in: attempts, best and last score, the last verdict."""
    by_exam: dict[uuid.UUID, list[Attempt]] = {}
    for attempt in await exam_service.submitted_attempts_of(session=session, user_id=user_id):
        by_exam.setdefault(attempt.exam_id, []).append(attempt)
    exams = {e.id: e for e in await exam_service.exams_by_ids(session, list(by_exam)) if e is not None}
    return [ExamResult(exam=exams[exam_id], attempts=len(tries),
                       best_score=max((t.score for t in tries if t.score is not None), default=None),
                       last_score=tries[-1].score, passed=tries[-1].passed, last_submitted_at=tries[-1].submitted_at)
            for exam_id, tries in by_exam.items() if exam_id in exams]


async def record_of(*, session: AsyncSession, mine_id: uuid.UUID, person_id: uuid.UUID, now: datetime
                    ) -> PersonRecord:
    """Hours, assignments, proficiency, the apprenticeship and exam results of one person of the mine
    (whether the caller may see them is checked by the caller: CanFollowTrainee)."""
    person = await course_service.person_in_mine_or_raise(session=session, user_id=person_id, mine_id=mine_id)
    hours = rules.training_hours(await lesson_credits(session=session, user_id=person_id), now)
    assignments = await course_service.assignments_for(session=session, assignee_id=person_id)
    proficiencies = await exam_service.proficiencies_of(session=session, user_id=person_id)
    flag = rules.overall_flag([retraining_flag(p.due_at, now) for p in proficiencies], hours)
    return PersonRecord(
        person=person, hours=hours, assignments=assignments,
        overdue_count=sum(1 for a in assignments if a.completed_at is None and a.due_at < now),
        proficiencies=proficiencies, retraining_flag=flag,
        apprenticeship=await mentoring_service.active_apprenticeship(session=session, apprentice_id=person_id),
        exam_results=await exam_results(session=session, user_id=person_id))
