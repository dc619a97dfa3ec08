"""Parsing GraphQL IDs into UUIDs with a clear error."""

from __future__ import annotations

import uuid

from backend.graphql.errors import ValidationFailedError


def parse_id(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise ValidationFailedError(f"{field} is not a valid id", field=field) from error


def parse_optional_id(value: str | None, field: str) -> uuid.UUID | None:
    return None if value is None else parse_id(value, field)
