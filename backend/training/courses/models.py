"""Courses, lessons, progress and assignments (an assignment names a course or an exam)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.training.courses.rules import CourseKind


def enum_column(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


class LessonKind(enum.StrEnum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    VIDEO = "VIDEO"


class AssignmentKind(enum.StrEnum):
    COURSE = "COURSE"
    EXAM = "EXAM"


class AssignmentReason(enum.StrEnum):
    ASSIGNED = "ASSIGNED"     # by a mentor or a training manager
    REMEDIAL = "REMEDIAL"     # after a confirmed violation


class Course(TimestampMixin, IdMixin, Base):
    __tablename__ = "training_courses"
    __table_args__ = (Index("ix_training_courses_mine_kind", "mine_id", "kind"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[CourseKind] = mapped_column(enum_column(CourseKind))
    skill_tags: Mapped[list[Any]] = mapped_column(default=list)
    class_hours: Mapped[float] = mapped_column(Float)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class Lesson(IdMixin, Base):
    __tablename__ = "training_lessons"
    __table_args__ = (UniqueConstraint("course_id", "position"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_courses.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LessonKind] = mapped_column(enum_column(LessonKind))
    body: Mapped[str] = mapped_column(Text, default="")
    media_key: Mapped[str | None] = mapped_column(String(300), default=None)
    minutes: Mapped[int] = mapped_column(default=0)


class LessonProgress(IdMixin, Base):
    """One person's progress through one lesson; seconds only ever grow."""

    __tablename__ = "training_lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),
                      Index("ix_training_lesson_progress_user_course", "user_id", "course_id"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_courses.id"))
    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_lessons.id"))
    seconds_spent: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class Assignment(IdMixin, Base):
    __tablename__ = "training_assignments"
    __table_args__ = (Index("ix_training_assignments_assignee", "assignee_id", "completed_at"),
                      Index("ix_training_assignments_source", "mine_id", "source_ref"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    assignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    kind: Mapped[AssignmentKind] = mapped_column(enum_column(AssignmentKind))
    course_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("training_courses.id"), default=None)
    exam_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("training_exams.id"), default=None)
    reason: Mapped[AssignmentReason] = mapped_column(enum_column(AssignmentReason), default=AssignmentReason.ASSIGNED)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    source_ref: Mapped[str | None] = mapped_column(String(120), default=None)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
