"""Course and assignment queries (never commits)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.errors import NotFound
from backend.org import service as org_service
from backend.training.courses.models import Assignment, Course, Lesson, LessonProgress
from backend.training.courses.rules import CourseKind


async def in_mine_or_raise(session: AsyncSession, model: type, record_id: uuid.UUID, mine_id: uuid.UUID,
                            what: str, for_update: bool = False):  # type: ignore[no-untyped-def]
    record = await session.get(model, record_id, with_for_update=for_update)
    if record is None or record.mine_id != mine_id:
        raise NotFound(f"no such {what}")
    return record


async def course_or_raise(*, session: AsyncSession, course_id: uuid.UUID, mine_id: uuid.UUID) -> Course:
    """An active or archived course of the mine; another mine's course looks missing."""
    return await in_mine_or_raise(session, Course, course_id, mine_id, "course")  # type: ignore[no-any-return]


async def person_in_mine_or_raise(*, session: AsyncSession, user_id: uuid.UUID, mine_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None or user.mine_id != mine_id or not user.is_active:
        raise NotFound("no such person in your mine")
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


async def lesson_minimum_share(*, session: AsyncSession, mine_id: uuid.UUID) -> float:
    """The mine's "lesson_minimum_share" setting (1: a lesson's full minutes), a number from 0 to 1."""
    mine = await org_service.get_mine(session=session, mine_id=mine_id)
    value = (mine.settings or {}).get("lesson_minimum_share", 1.0) if mine else 1.0
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 1.0


async def remedial_course_for(*, session: AsyncSession, mine_id: uuid.UUID, skill: str | None) -> Course | None:
    """The remedial micro-course for a skill (or any remedial course when none matches)."""
    courses = (await session.scalars(select(Course).where(Course.mine_id == mine_id, Course.is_active,
                                                          Course.kind == CourseKind.REMEDIAL)
                                     .order_by(Course.created_at))).all()
    for course in courses:
        if skill is not None and skill in course.skill_tags:
            return course
    return courses[0] if courses else None


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


async def assignment_by_source(*, session: AsyncSession, mine_id: uuid.UUID, assignee_id: uuid.UUID,
                               source_ref: str) -> Assignment | None:
    return await session.scalar(select(Assignment).where(Assignment.mine_id == mine_id,
                                                         Assignment.assignee_id == assignee_id,
                                                         Assignment.source_ref == source_ref))


async def has_exam_assignment(*, session: AsyncSession, exam_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return await session.scalar(select(func.count(Assignment.id)).where(
        and_(Assignment.exam_id == exam_id, Assignment.assignee_id == user_id))) > 0  # type: ignore[operator]
