"""Training queries and plain writes (never commits)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.graphql.errors import NotFoundError
from backend.training.models import (
    Apprenticeship,
    Assignment,
    Attempt,
    AttemptAnswer,
    AttemptState,
    Course,
    Exam,
    Lesson,
    LessonProgress,
    Proficiency,
    Question,
)
from backend.training.rules import CourseKind, LessonCredit, lesson_hours


async def _in_mine_or_raise(session: AsyncSession, model: type, record_id: uuid.UUID, mine_id: uuid.UUID,
                            what: str, for_update: bool = False):  # type: ignore[no-untyped-def]
    record = await session.get(model, record_id, with_for_update=for_update)
    if record is None or record.mine_id != mine_id:
        raise NotFoundError(f"no such {what}")
    return record


async def course_or_raise(*, session: AsyncSession, course_id: uuid.UUID, mine_id: uuid.UUID) -> Course:
    """An active or archived course of the mine; another mine's course looks missing."""
    return await _in_mine_or_raise(session, Course, course_id, mine_id, "course")  # type: ignore[no-any-return]


async def exam_or_raise(*, session: AsyncSession, exam_id: uuid.UUID, mine_id: uuid.UUID) -> Exam:
    return await _in_mine_or_raise(session, Exam, exam_id, mine_id, "exam")  # type: ignore[no-any-return]


async def attempt_or_raise(*, session: AsyncSession, attempt_id: uuid.UUID, mine_id: uuid.UUID,
                           for_update: bool = False) -> Attempt:
    return await _in_mine_or_raise(session, Attempt, attempt_id, mine_id, "attempt",  # type: ignore[no-any-return]
                                   for_update)


async def person_in_mine_or_raise(*, session: AsyncSession, user_id: uuid.UUID, mine_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None or user.mine_id != mine_id or not user.is_active:
        raise NotFoundError("no such person in your mine")
    return user


async def list_courses(*, session: AsyncSession, mine_id: uuid.UUID) -> Sequence[Course]:
    return (await session.scalars(select(Course).where(Course.mine_id == mine_id, Course.is_active)
                                  .order_by(Course.kind, Course.title))).all()


async def lessons_of(*, session: AsyncSession, course_id: uuid.UUID) -> Sequence[Lesson]:
    return (await session.scalars(select(Lesson).where(Lesson.course_id == course_id)
                                  .order_by(Lesson.position))).all()


async def lessons_by_course(session: AsyncSession, course_ids: Sequence[uuid.UUID]) -> list[list[Lesson]]:
    """Lessons in order for each course id (a DataLoader batch)."""
    rows = await session.scalars(select(Lesson).where(Lesson.course_id.in_(set(course_ids)))
                                 .order_by(Lesson.position))
    grouped: dict[uuid.UUID, list[Lesson]] = defaultdict(list)
    for lesson in rows:
        grouped[lesson.course_id].append(lesson)
    return [grouped.get(course_id, []) for course_id in course_ids]


async def progress_by_user_course(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]
                                  ) -> list[list[LessonProgress]]:
    """Progress rows for (user id, course id) keys (a DataLoader batch)."""
    users = {u for u, _ in keys}
    courses = {c for _, c in keys}
    rows = await session.scalars(select(LessonProgress).where(LessonProgress.user_id.in_(users),
                                                              LessonProgress.course_id.in_(courses)))
    grouped: dict[tuple[uuid.UUID, uuid.UUID], list[LessonProgress]] = defaultdict(list)
    for row in rows:
        grouped[(row.user_id, row.course_id)].append(row)
    return [grouped.get(key, []) for key in keys]


async def courses_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Course | None]:
    found = {c.id: c for c in await session.scalars(select(Course).where(Course.id.in_(set(ids))))}
    return [found.get(i) for i in ids]


async def exams_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Exam | None]:
    found = {e.id: e for e in await session.scalars(select(Exam).where(Exam.id.in_(set(ids))))}
    return [found.get(i) for i in ids]


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


async def assignments_for(*, session: AsyncSession, assignee_id: uuid.UUID, open_only: bool = False
                          ) -> Sequence[Assignment]:
    query = select(Assignment).where(Assignment.assignee_id == assignee_id)
    if open_only:
        query = query.where(Assignment.completed_at.is_(None))
    return (await session.scalars(query.order_by(Assignment.due_at))).all()


async def overdue_assignments(*, session: AsyncSession, mine_id: uuid.UUID, now: datetime,
                              assignee_ids: Sequence[uuid.UUID] | None = None) -> Sequence[Assignment]:
    query = select(Assignment).where(Assignment.mine_id == mine_id, Assignment.completed_at.is_(None),
                                     Assignment.due_at < now)
    if assignee_ids is not None:
        query = query.where(Assignment.assignee_id.in_(list(assignee_ids)))
    return (await session.scalars(query.order_by(Assignment.due_at))).all()


async def active_apprenticeship(*, session: AsyncSession, apprentice_id: uuid.UUID) -> Apprenticeship | None:
    return await session.scalar(select(Apprenticeship).where(Apprenticeship.apprentice_id == apprentice_id,
                                                             Apprenticeship.ended_at.is_(None)))


async def is_mentor_of(*, session: AsyncSession, mentor_id: uuid.UUID, apprentice_id: uuid.UUID) -> bool:
    """True while an unended link names this mentor for this apprentice."""
    link = await active_apprenticeship(session=session, apprentice_id=apprentice_id)
    return link is not None and link.mentor_id == mentor_id


async def apprenticeships_of(*, session: AsyncSession, mentor_id: uuid.UUID) -> Sequence[Apprenticeship]:
    return (await session.scalars(select(Apprenticeship).where(Apprenticeship.mentor_id == mentor_id,
                                                               Apprenticeship.ended_at.is_(None))
                                  .order_by(Apprenticeship.started_at))).all()


async def proficiencies_of(*, session: AsyncSession, user_id: uuid.UUID) -> Sequence[Proficiency]:
    return (await session.scalars(select(Proficiency).where(Proficiency.user_id == user_id)
                                  .order_by(Proficiency.skill))).all()


async def questions(*, session: AsyncSession, mine_id: uuid.UUID, tag: str | None = None,
                    active_only: bool = True) -> list[Question]:
    query = select(Question).where(Question.mine_id == mine_id)
    if active_only:
        query = query.where(Question.is_active)
    rows = (await session.scalars(query.order_by(Question.created_at, Question.id))).all()
    return [q for q in rows if tag is None or tag in q.tags]


async def questions_by_ids(*, session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Question]:
    """The questions in the order of ids."""
    found = {q.id: q for q in await session.scalars(select(Question).where(Question.id.in_(list(ids))))}
    return [found[i] for i in ids if i in found]


async def attempts_of(*, session: AsyncSession, exam_id: uuid.UUID, user_id: uuid.UUID) -> Sequence[Attempt]:
    return (await session.scalars(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.user_id == user_id)
                                  .order_by(Attempt.number))).all()


async def open_attempt(*, session: AsyncSession, exam_id: uuid.UUID, user_id: uuid.UUID) -> Attempt | None:
    return await session.scalar(select(Attempt).where(Attempt.exam_id == exam_id, Attempt.user_id == user_id,
                                                      Attempt.state == AttemptState.IN_PROGRESS))


async def answers_of(*, session: AsyncSession, attempt_id: uuid.UUID) -> dict[uuid.UUID, AttemptAnswer]:
    rows = await session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))
    return {a.question_id: a for a in rows}


async def submitted_attempts(*, session: AsyncSession, exam_id: uuid.UUID) -> Sequence[Attempt]:
    return (await session.scalars(select(Attempt).where(Attempt.exam_id == exam_id,
                                                        Attempt.state == AttemptState.SUBMITTED))).all()


async def exams_for(*, session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID, everything: bool
                    ) -> Sequence[Exam]:
    """Exams a person may take (open to all, or assigned to them); managers see every exam."""
    query = select(Exam).where(Exam.mine_id == mine_id)
    if not everything:
        assigned = select(Assignment.exam_id).where(Assignment.assignee_id == user_id,
                                                    Assignment.exam_id.is_not(None))
        query = query.where(Exam.open_to_all | Exam.id.in_(assigned))
    return (await session.scalars(query.order_by(Exam.created_at.desc()))).all()


async def has_exam_assignment(*, session: AsyncSession, exam_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return await session.scalar(select(func.count(Assignment.id)).where(
        and_(Assignment.exam_id == exam_id, Assignment.assignee_id == user_id))) > 0  # type: ignore[operator]


async def remedial_course_for(*, session: AsyncSession, mine_id: uuid.UUID, skill: str | None) -> Course | None:
    """The remedial micro-course for a skill (or any remedial course when none matches)."""
    courses = (await session.scalars(select(Course).where(Course.mine_id == mine_id, Course.is_active,
                                                          Course.kind == CourseKind.REMEDIAL)
                                     .order_by(Course.created_at))).all()
    for course in courses:
        if skill is not None and skill in course.skill_tags:
            return course
    return courses[0] if courses else None


async def assignment_by_source(*, session: AsyncSession, mine_id: uuid.UUID, assignee_id: uuid.UUID,
                               source_ref: str) -> Assignment | None:
    return await session.scalar(select(Assignment).where(Assignment.mine_id == mine_id,
                                                         Assignment.assignee_id == assignee_id,
                                                         Assignment.source_ref == source_ref))


async def questions_batch(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Question | None]:
    """Questions by id (a DataLoader batch)."""
    found = {q.id: q for q in await session.scalars(select(Question).where(Question.id.in_(set(ids))))}
    return [found.get(i) for i in ids]


async def answers_batch(session: AsyncSession, attempt_ids: Sequence[uuid.UUID]
                        ) -> list[dict[uuid.UUID, AttemptAnswer]]:
    """Saved answers by attempt id (a DataLoader batch)."""
    rows = await session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id.in_(set(attempt_ids))))
    grouped: dict[uuid.UUID, dict[uuid.UUID, AttemptAnswer]] = defaultdict(dict)
    for answer in rows:
        grouped[answer.attempt_id][answer.question_id] = answer
    return [grouped.get(attempt_id, {}) for attempt_id in attempt_ids]
