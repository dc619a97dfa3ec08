"""Typed live events of work permits, on one channel per mine."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class PermitEvent(BaseModel):
    action: str  # the audit action: permit.applied, permit.suspended, …
    permit_id: uuid.UUID
    mine_id: uuid.UUID
    area_id: uuid.UUID
    state: str
    at: datetime


def channel_for(mine_id: uuid.UUID) -> str:
    return f"permits.{mine_id}"
