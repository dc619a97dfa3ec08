"""Parsing GraphQL IDs into UUIDs with a clear error."""

from __future__ import annotations

import uuid

from backend.errors import ValidationFailed


def parse_id(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise ValidationFailed(f"{field} is not a valid id", field=field) from error


def parse_optional_id(value: str | None, field: str) -> uuid.UUID | None:
    return None if value is None else parse_id(value, field)
