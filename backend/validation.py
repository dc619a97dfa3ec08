"""Cleaning free-text inputs with a clear, typed error."""

from __future__ import annotations

import unicodedata

from backend.errors import ValidationFailed

MULTILINE_ALLOWED = frozenset("\n\r\t")  # line breaks (also CR LF from phones) and tabs, in multi-line fields only


def _bad_character(text: str, *, multiline: bool) -> str | None:
    """The first control character (C0, DEL, C1) or lone surrogate in text, or None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and not (multiline and char in MULTILINE_ALLOWED):
            return char
    return None


def clean_text(value: str | None, field: str, *, required: bool = False, limit: int = 4000,
               multiline: bool = True) -> str | None:
    """Stripped text (None when blank); blank but required, longer than limit, or holding a control character
    (a NUL, an escape…; line breaks and tabs only where multiline) is a ValidationFailed naming the field."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationFailed(f"{field} is required", field=field)
    if len(cleaned) > limit:
        raise ValidationFailed(f"{field} is longer than {limit} characters", field=field)
    bad = _bad_character(cleaned, multiline=multiline)
    if bad is not None:
        kind = "a line break or tab" if bad in MULTILINE_ALLOWED else "a control character"
        raise ValidationFailed(f"{field} contains {kind} (U+{ord(bad):04X}), which is not allowed", field=field)
    return cleaned or None
