"""Expected failures as plain Python exceptions: the domain core raises them and knows nothing of GraphQL.

The API ring translates them once (backend/graphql/errors.py): into the union member a mutation declares, or
else into a top-level error carrying the exception's code from contracts.errors. A domain's own failure (a
rejected photo) subclasses one of these in its own folder.
"""

from __future__ import annotations

from contracts.errors import ErrorCode


class DomainError(Exception):
    """An expected failure with a message a person can read."""

    code: ErrorCode = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The caller's role or mine does not allow this."""

    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    """No such record in the caller's mine."""

    code = ErrorCode.NOT_FOUND


class InvalidTransition(DomainError):
    """The record's current state does not allow this step."""

    code = ErrorCode.INVALID_TRANSITION

    def __init__(self, message: str, *, current_state: str | None = None) -> None:
        super().__init__(message)
        self.current_state = current_state


class ValidationFailed(DomainError):
    """An input value was refused; field names it where one input is at fault."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Unauthenticated(Exception):
    """No valid credentials; answered as a top-level error with code UNAUTHENTICATED."""
