"""Typed live events of the hazard loop."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from pydantic import BaseModel


class HazardEventKind(enum.StrEnum):
    REPORTED = "REPORTED"
    TRIAGED = "TRIAGED"
    ACCEPTED = "ACCEPTED"
    RECTIFIED = "RECTIFIED"
    REINSPECTION_PASSED = "REINSPECTION_PASSED"
    REINSPECTION_FAILED = "REINSPECTION_FAILED"
    SIGNED_OFF = "SIGNED_OFF"
    CLOSED = "CLOSED"
    DISMISSED = "DISMISSED"
    REASSIGNED = "REASSIGNED"


class HazardEvent(BaseModel):
    kind: HazardEventKind
    hazard_id: uuid.UUID
    mine_id: uuid.UUID
    area_id: uuid.UUID
    responsible_id: uuid.UUID | None
    state: str
    at: datetime


def channel_for(mine_id: uuid.UUID) -> str:
    return f"hazards.{mine_id}"
