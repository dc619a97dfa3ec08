"""Courses, lessons, progress, mentor links, assignments, the question bank, exams and attempts."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.training.rules import CourseKind, QuestionKind


def _enum(kind: type[enum.Enum]) -> Enum:
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


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"


class Course(TimestampMixin, IdMixin, Base):
    __tablename__ = "training_courses"
    __table_args__ = (Index("ix_training_courses_mine_kind", "mine_id", "kind"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[CourseKind] = mapped_column(_enum(CourseKind))
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
    kind: Mapped[LessonKind] = mapped_column(_enum(LessonKind))
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


class Apprenticeship(TimestampMixin, IdMixin, Base):
    """A mentor supervising an apprentice (师带徒) until the second assessment is passed."""

    __tablename__ = "training_apprenticeships"
    __table_args__ = (Index("ix_training_apprenticeships_mentor", "mentor_id", "ended_at"),
                      Index("ix_training_apprenticeships_apprentice", "apprentice_id", "ended_at"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    mentor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    apprentice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime]
    supervised_months: Mapped[int] = mapped_column(default=4)
    second_assessment_at: Mapped[datetime | None] = mapped_column(default=None)
    second_assessment_passed: Mapped[bool | None] = mapped_column(default=None)
    second_assessment_note: Mapped[str | None] = mapped_column(Text, default=None)
    released_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class Question(TimestampMixin, IdMixin, Base):
    __tablename__ = "training_questions"
    __table_args__ = (Index("ix_training_questions_mine_active", "mine_id", "is_active"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]] = mapped_column(default=list)
    correct: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    difficulty: Mapped[int]
    explanation: Mapped[str | None] = mapped_column(Text, default=None)
    is_active: Mapped[bool] = mapped_column(default=True)


class Exam(TimestampMixin, IdMixin, Base):
    __tablename__ = "training_exams"

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    skill: Mapped[str | None] = mapped_column(String(64), default=None)
    rules: Mapped[list[Any]] = mapped_column(default=list)
    time_limit_minutes: Mapped[int]
    pass_mark: Mapped[float] = mapped_column(Float, default=80.0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    retake_wait_minutes: Mapped[int] = mapped_column(default=0)
    requires_practical: Mapped[bool] = mapped_column(default=False)
    open_to_all: Mapped[bool] = mapped_column(default=False)
    is_competition: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime | None] = mapped_column(default=None)
    closes_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class Assignment(IdMixin, Base):
    __tablename__ = "training_assignments"
    __table_args__ = (Index("ix_training_assignments_assignee", "assignee_id", "completed_at"),
                      Index("ix_training_assignments_source", "mine_id", "source_ref"))

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    assignee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(default=None)
    kind: Mapped[AssignmentKind] = mapped_column(_enum(AssignmentKind))
    course_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("training_courses.id"), default=None)
    exam_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("training_exams.id"), default=None)
    reason: Mapped[AssignmentReason] = mapped_column(_enum(AssignmentReason), default=AssignmentReason.ASSIGNED)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    source_ref: Mapped[str | None] = mapped_column(String(120), default=None)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)


class Attempt(IdMixin, Base):
    __tablename__ = "training_attempts"
    __table_args__ = (Index("ix_training_attempts_exam_user", "exam_id", "user_id", "number", unique=True),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    exam_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_exams.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    number: Mapped[int]
    state: Mapped[AttemptState] = mapped_column(_enum(AttemptState), default=AttemptState.IN_PROGRESS)
    question_ids: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    correct_count: Mapped[int | None] = mapped_column(default=None)
    practical_score: Mapped[float | None] = mapped_column(Float, default=None)
    passed: Mapped[bool | None] = mapped_column(default=None)


class AttemptAnswer(IdMixin, Base):
    """The latest answer to one question of one attempt (a higher revision replaces a lower one)."""

    __tablename__ = "training_attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_attempts.id"))
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_questions.id"))
    chosen: Mapped[list[Any]] = mapped_column(default=list)
    revision: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Proficiency(IdMixin, Base):
    """A person's standing in one skill, from their latest passed exam; due again after a year."""

    __tablename__ = "training_proficiencies"
    __table_args__ = (UniqueConstraint("user_id", "skill"),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    skill: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    exam_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_exams.id"))
    passed_at: Mapped[datetime]
    due_at: Mapped[datetime]
