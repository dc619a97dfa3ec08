"""Course changes: checks, the change and its audit entry in one transaction (the caller commits).

`training_text` is the text check every training flow uses; `complete_assignments` closes a person's
open assignments of a course or an exam (finishing a course here, passing an exam in exams).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import sqlite_write_lock
from backend.errors import ValidationFailed
from backend.storage.base import ObjectStore
from backend.storage.models import UploadKind
from backend.storage.service import consume_upload
from backend.training.courses import rules, service
from backend.training.courses.models import Assignment, Course, Lesson, LessonKind, LessonProgress
from backend.training.courses.rules import CourseKind
from backend.training.permissions import CanManageTraining
from backend.validation import clean_text

MAX_TITLE = 200
MAX_TEXT = 20000
MAX_LESSONS = 100


@dataclass(frozen=True, slots=True)
class LessonData:
    title: str
    kind: LessonKind
    body: str = ""
    media_key: str | None = None
    minutes: int = 0


def training_text(value: str | None, name: str, *, required: bool = True, limit: int = MAX_TITLE) -> str:
    """The shared text check (no NUL or control characters); titles and references are one line, longer texts
    may break lines."""
    return clean_text(value, name, required=required, limit=limit, multiline=limit > MAX_TITLE) or ""


def tags(values: Sequence[str]) -> list[str]:
    tags = sorted({v.strip().lower() for v in values if v.strip()})
    if any(len(t) > 64 for t in tags):
        raise ValidationFailed("a tag is longer than 64 characters", field="skillTags")
    return tags


def course_snapshot(course: Course) -> dict[str, Any]:
    return {"title": course.title, "kind": course.kind, "skill_tags": course.skill_tags,
            "class_hours": course.class_hours, "is_active": course.is_active}


def assignment_snapshot(assignment: Assignment) -> dict[str, Any]:
    return {"assignee_id": assignment.assignee_id, "kind": assignment.kind, "course_id": assignment.course_id,
            "exam_id": assignment.exam_id, "due_at": assignment.due_at, "reason": assignment.reason,
            "completed_at": assignment.completed_at, "source_ref": assignment.source_ref}


async def create_course(session: AsyncSession, *, store: ObjectStore, actor: Principal, title: str, description: str,
                        kind: CourseKind, skill_tags: Sequence[str], class_hours: float,
                        lessons: Sequence[LessonData]) -> Course:
    """A course with its ordered lessons; image and video lessons name an uploaded object."""
    CanManageTraining.check(actor)
    await sqlite_write_lock(session, actor.mine_id)
    if not lessons:
        raise ValidationFailed("a course needs at least one lesson", field="lessons")
    if len(lessons) > MAX_LESSONS:
        raise ValidationFailed(f"at most {MAX_LESSONS} lessons", field="lessons")
    if not 0 < class_hours <= 200:
        raise ValidationFailed("class hours must be more than 0 and at most 200", field="classHours")
    course = Course(mine_id=actor.mine_id, title=training_text(title, "title"),
                    description=training_text(description, "description", required=False, limit=MAX_TEXT), kind=kind,
                    skill_tags=tags(skill_tags), class_hours=float(class_hours), created_by=actor.id)
    session.add(course)
    await session.flush()
    for position, lesson in enumerate(lessons):
        media = lesson.media_key
        if lesson.kind is LessonKind.TEXT:
            if not lesson.body.strip():
                raise ValidationFailed(f"lesson {position + 1} is a text lesson without text", field="lessons")
            media = None
        elif not media:
            raise ValidationFailed(f"lesson {position + 1} ({lesson.kind.value}) needs an uploaded file",
                                        field="lessons")
        else:
            kinds = {UploadKind.VIDEO} if lesson.kind is LessonKind.VIDEO else {UploadKind.PHOTO, UploadKind.DOCUMENT}
            await consume_upload(session=session, store=store, actor=actor, key=media, kinds=kinds,
                                 used_by=f"course:{course.id}")
        if lesson.minutes < 0:
            raise ValidationFailed("lesson minutes cannot be negative", field="lessons")
        session.add(Lesson(course_id=course.id, position=position,
                           title=training_text(lesson.title, "lesson title"), kind=lesson.kind,
                           body=training_text(lesson.body, "lesson body", required=False, limit=MAX_TEXT),
                           media_key=media, minutes=lesson.minutes))
    await session.flush()
    await record_audit(session, actor=actor, action="training.course_created", subject_type="training_course",
                       subject_id=course.id, before={},
                       after={**course_snapshot(course), "lessons": [ld.title for ld in lessons]})
    return course


class LessonTooShortError(ValidationFailed):
    """Finishing a lesson before its minimum time (measured by the server from its start)."""

    def __init__(self, seconds_to_go: int, minimum_seconds: int) -> None:
        minutes = -(-seconds_to_go // 60)
        super().__init__(f"this lesson counts after {minimum_seconds // 60} min from its start; "
                         f"{minutes} min to go", field="completed")
        self.seconds_to_go = seconds_to_go


async def record_lesson_progress(session: AsyncSession, *, actor: Principal, lesson_id: uuid.UUID,
                                 seconds_spent: int, completed: bool) -> LessonProgress:
    """The trainee's total time on a lesson (kept at its highest) and whether they finished it.

    The first call starts the lesson's clock (started_at, the server's time); the time claimed never passes
    the time since then, and finishing needs the lesson's minimum time (LessonTooShortError otherwise).
    Idempotent: the same call twice changes nothing. Finishing the last lesson of a course
    completes the person's open assignments of that course.
    """
    if seconds_spent < 0 or seconds_spent > 24 * 3600:
        raise ValidationFailed("secondsSpent must be between 0 and 86400", field="secondsSpent")
    if completed:
        await sqlite_write_lock(session, actor.mine_id)
    lesson = await session.get(Lesson, lesson_id)
    course = await session.get(Course, lesson.course_id) if lesson else None
    if lesson is None or course is None or course.mine_id != actor.mine_id:
        raise ValidationFailed("no such lesson in your mine", field="lessonId")
    progress = await session.scalar(select(LessonProgress).where(LessonProgress.user_id == actor.id,
                                                                 LessonProgress.lesson_id == lesson_id)
                                    .with_for_update())
    now = utcnow()
    if progress is None:
        progress = LessonProgress(mine_id=actor.mine_id, user_id=actor.id, course_id=course.id, lesson_id=lesson.id,
                                  seconds_spent=0, started_at=now)
        session.add(progress)
    was_done = progress.completed_at is not None
    # the server's clock from the lesson's start bounds what a client may claim
    elapsed = max(0, int((now - progress.started_at).total_seconds()))
    progress.seconds_spent = max(progress.seconds_spent or 0, min(seconds_spent, elapsed))
    if completed and not was_done:
        share = await service.lesson_minimum_share(session=session, mine_id=actor.mine_id)
        minimum = rules.lesson_minimum_seconds(lesson.minutes, share)
        to_go = rules.lesson_seconds_to_go(minimum, progress.started_at, now)
        if to_go:
            await session.flush()
            raise LessonTooShortError(to_go, minimum)
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
    await complete_assignments(session, actor=actor, person_id=actor.id, now=now, course_id=course.id)


async def complete_assignments(session: AsyncSession, *, actor: Principal, person_id: uuid.UUID, now: datetime,
                               course_id: uuid.UUID | None = None, exam_id: uuid.UUID | None = None) -> None:
    """Close the person's open assignments of the course (or the exam), each with its audit entry."""
    for assignment in await service.assignments_for(session=session, assignee_id=person_id, open_only=True):
        if (course_id is not None and assignment.course_id == course_id) or (
                exam_id is not None and assignment.exam_id == exam_id):
            before = assignment_snapshot(assignment)
            assignment.completed_at = now
            await session.flush()
            await record_audit(session, actor=actor, action="training.assignment_completed",
                               subject_type="training_assignment", subject_id=assignment.id, before=before,
                               after=assignment_snapshot(assignment))
