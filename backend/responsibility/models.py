"""A responsibility list per holder (a post or a person), in numbered versions, and its items.

A holder's list is drafted, published as version n (the version in force), and superseded when version
n + 1 is published. A draft never published is withdrawn. Nothing is deleted.

Items name what the list answers for by a generic subject reference, (subject_kind, subject_id):
AREA and DEVICE point at areas.id and devices.id; RISK_POINT points at the risk point of issue 13 (its
table does not exist yet, so the reference is a plain id string, checked by the risks domain once it
exists — no foreign key, by design, so this table needs no migration when risk points arrive).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.database.base import Base, IdMixin, TimestampMixin


class HolderKind(enum.StrEnum):
    POST = "POST"
    PERSON = "PERSON"


class ListState(enum.StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    SUPERSEDED = "SUPERSEDED"
    WITHDRAWN = "WITHDRAWN"  # a draft dropped without publishing


class SubjectKind(enum.StrEnum):
    AREA = "AREA"
    DEVICE = "DEVICE"
    RISK_POINT = "RISK_POINT"


class ResponsibilityList(IdMixin, TimestampMixin, Base):
    __tablename__ = "responsibility_lists"
    __table_args__ = (
        UniqueConstraint("mine_id", "holder_key", "version", name="uq_responsibility_lists_holder_version"),
        Index("ix_responsibility_lists_in_force", "mine_id", "state", "published_at"),
    )

    mine_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mines.id"), index=True)
    holder_kind: Mapped[HolderKind] = mapped_column(Enum(HolderKind, native_enum=False, length=16))
    post_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("posts.id"), default=None, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None, index=True)
    holder_key: Mapped[str] = mapped_column(String(64))
    """"post:<id>" or "person:<id>": one numbering of versions per holder."""
    state: Mapped[ListState] = mapped_column(Enum(ListState, native_enum=False, length=16))
    version: Mapped[int | None] = mapped_column(default=None)
    """Given on publishing (1, 2, …); None while a draft."""
    duties: Mapped[str] = mapped_column(Text, default="")
    hazard_levels: Mapped[list[Any]] = mapped_column(default=list)
    """The hazard levels answered for in its areas: MAJOR, A, B, C (empty: every level)."""
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), default=None)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)


class ResponsibilityItem(IdMixin, Base):
    __tablename__ = "responsibility_items"
    __table_args__ = (
        UniqueConstraint("list_id", "subject_kind", "subject_id", name="uq_responsibility_items_subject"),
        Index("ix_responsibility_items_subject", "subject_kind", "subject_id"),
    )

    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("responsibility_lists.id"), index=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(Enum(SubjectKind, native_enum=False, length=16))
    subject_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text, default=None)
