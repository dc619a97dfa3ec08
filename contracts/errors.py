"""The one set of error codes: the server answers with them and every client classifies by them, never by text.

A refused step comes back in one of two places, always with one of these codes:
- a mutation whose result is a union answers the member named in UNION_MEMBERS (``NotAllowed``…);
- anything else (a query, a list, a mutation without that member) answers a top-level GraphQL error whose
  ``extensions.code`` is the code.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"        # no valid credentials: sign in again
    FORBIDDEN = "FORBIDDEN"                    # the caller's role or mine does not allow this
    NOT_FOUND = "NOT_FOUND"                    # no such record in the caller's mine
    INVALID_TRANSITION = "INVALID_TRANSITION"  # the record's current state does not allow this step
    BAD_USER_INPUT = "BAD_USER_INPUT"          # an input value was refused (the field is named)
    PHOTO_REJECTED = "PHOTO_REJECTED"          # an uploaded photo failed verification
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"    # the request body is over the server's limit
    UNAVAILABLE = "UNAVAILABLE"                # a backing service is briefly unreachable; nothing was saved
    INTERNAL = "INTERNAL_SERVER_ERROR"         # a server fault, masked and logged


# the union member a mutation answers for each code (its __typename)
UNION_MEMBERS: dict[str, ErrorCode] = {
    "NotAllowed": ErrorCode.FORBIDDEN,
    "NotFound": ErrorCode.NOT_FOUND,
    "InvalidTransition": ErrorCode.INVALID_TRANSITION,
    "ValidationFailed": ErrorCode.BAD_USER_INPUT,
    "PhotoRejected": ErrorCode.PHOTO_REJECTED,
}

# worth trying again later unchanged (an outbox keeps the item); every other code is final for that input
RETRYABLE: frozenset[ErrorCode] = frozenset({ErrorCode.UNAVAILABLE, ErrorCode.INTERNAL})


def code_of(value: str | None) -> ErrorCode:
    """The code a server sent (a top-level extensions.code or a union member's __typename); unknown is INTERNAL."""
    if value in UNION_MEMBERS:
        return UNION_MEMBERS[value]
    try:
        return ErrorCode(value)
    except ValueError:
        return ErrorCode.INTERNAL
