"""Typed live events of shared alerts, on one channel per mine."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from pydantic import BaseModel


class AlertEventKind(enum.StrEnum):
    RAISED = "RAISED"
    REPEATED = "REPEATED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"
    ESCALATED = "ESCALATED"


class AlertEvent(BaseModel):
    kind: AlertEventKind
    alert_id: uuid.UUID
    mine_id: uuid.UUID
    area_id: uuid.UUID | None
    severity: str
    state: str
    escalation_level: int
    at: datetime


def channel_for(mine_id: uuid.UUID) -> str:
    return f"alerts.{mine_id}"
