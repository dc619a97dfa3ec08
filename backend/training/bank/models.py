"""The question bank's table."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin
from backend.training.bank.rules import QuestionKind


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=32)


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
