"""Mentor links."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin


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
