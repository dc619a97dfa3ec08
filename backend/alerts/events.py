"""Typed live events of shared alerts, on one channel per mine."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from contracts.alerts import AlertEventKind


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
