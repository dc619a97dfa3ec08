"""Exams, attempts, saved answers and the proficiency a pass gives."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin, utcnow
from backend.training.courses.models import enum_column


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SUBMITTED = "SUBMITTED"


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


class Attempt(IdMixin, Base):
    __tablename__ = "training_attempts"
    __table_args__ = (Index("ix_training_attempts_exam_user", "exam_id", "user_id", "number", unique=True),)

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"))
    exam_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_exams.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    number: Mapped[int]
    state: Mapped[AttemptState] = mapped_column(enum_column(AttemptState), default=AttemptState.IN_PROGRESS)
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
