"""Opaque (time, id) cursors for newest-first lists."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from backend.errors import ValidationFailed


def encode_cursor(at: datetime, record_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{record_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (time, id) of a cursor; anything else is a ValidationFailed on `after`."""
    try:
        raw_at, _, raw_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        at = datetime.fromisoformat(raw_at)
        if at.tzinfo is None:  # the lists' own cursors always carry UTC
            raise ValueError("naive cursor time")
        return at, uuid.UUID(raw_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValidationFailed("after is not a cursor from this list", field="after") from error
