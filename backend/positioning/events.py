"""Typed live events of positioning: a person's presence changed; an evacuation list changed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

PRESENCE_CHANGED = "positioning.presence_changed"


class PresenceChanged(BaseModel):
    """A person moved from one area to another (from None: first seen / came down; to None: left underground).

    Published after commit on `channel_for(mine_id)`; other domains (permits' interlock) subscribe to it."""

    type: Literal["positioning.presence_changed"] = PRESENCE_CHANGED
    mine_id: uuid.UUID
    user_id: uuid.UUID
    from_area_id: uuid.UUID | None
    to_area_id: uuid.UUID | None
    at: datetime


class EvacuationChanged(BaseModel):
    """An alert's evacuation list changed (made, a person moved or reached safety, closed)."""

    type: Literal["positioning.evacuation_changed"] = "positioning.evacuation_changed"
    mine_id: uuid.UUID
    alert_id: uuid.UUID
    evacuation_id: uuid.UUID
    at: datetime


def channel_for(mine_id: uuid.UUID) -> str:
    """The mine's positioning channel (presence changes)."""
    return f"positioning.{mine_id}"


def evacuation_channel(alert_id: uuid.UUID) -> str:
    """One alert's evacuation channel (its list's changes)."""
    return f"evacuation.{alert_id}"
