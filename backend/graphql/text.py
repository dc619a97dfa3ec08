"""Cleaning free-text inputs with a clear, typed error."""

from __future__ import annotations

from backend.graphql.errors import ValidationFailedError


def clean_text(value: str | None, field: str, *, required: bool = False, limit: int = 4000) -> str | None:
    """Stripped text (None when blank); blank but required, or longer than limit, is a ValidationFailed."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationFailedError(f"{field} is required", field=field)
    if len(cleaned) > limit:
        raise ValidationFailedError(f"{field} is longer than {limit} characters", field=field)
    return cleaned or None
