"""Expected failures as domain exceptions and as GraphQL union members.

Expected failures (a wrong role, an invalid transition, a rejected photo) are returned as typed
union members so that clients can branch on them. Anything else is masked and logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


class DomainError(Exception):
    """An expected failure, shown to the client as a union member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_graphql(self) -> Any:
        raise NotImplementedError


class NotAllowedError(DomainError):
    def to_graphql(self) -> NotAllowed:
        return NotAllowed(message=self.message)


class NotFoundError(DomainError):
    def to_graphql(self) -> NotFound:
        return NotFound(message=self.message)


class InvalidTransitionError(DomainError):
    def __init__(self, message: str, *, current_state: str | None = None) -> None:
        super().__init__(message)
        self.current_state = current_state

    def to_graphql(self) -> InvalidTransition:
        return InvalidTransition(message=self.message, current_state=self.current_state)


class ValidationFailedError(DomainError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_graphql(self) -> ValidationFailed:
        return ValidationFailed(message=self.message, field=self.field)


class UnauthenticatedError(Exception):
    """No valid credentials; raised as a top-level GraphQL error with code UNAUTHENTICATED."""


@strawberry.type(description="The caller's role or mine does not allow this.")
class NotAllowed:
    message: str


@strawberry.type(description="No such record in the caller's mine.")
class NotFound:
    message: str


@strawberry.type(description="The record's current state does not allow this step.")
class InvalidTransition:
    message: str
    current_state: str | None = None


@strawberry.type(description="An input value was refused.")
class ValidationFailed:
    message: str
    field: str | None = None


class ClientError(GraphQLError):
    """A top-level error meant for the client (not masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


_DOMAIN_ERROR_CODES: dict[type[DomainError], str] = {
    NotAllowedError: "FORBIDDEN", NotFoundError: "NOT_FOUND", InvalidTransitionError: "INVALID_TRANSITION",
    ValidationFailedError: "BAD_USER_INPUT",
}


def should_mask_error(error: GraphQLError) -> bool:
    """Mask everything but validation errors and deliberate client errors."""
    original = error.original_error
    if original is None:
        return False  # parse and validation errors carry no original exception
    if isinstance(original, ClientError):
        return False
    if isinstance(original, UnauthenticatedError):
        error.extensions = {"code": "UNAUTHENTICATED"}
        return False
    if isinstance(original, DomainError):  # raised where no union member can carry it (queries, lists)
        error.extensions = {"code": _DOMAIN_ERROR_CODES.get(type(original), "BAD_USER_INPUT")}
        return False
    if isinstance(original, GraphQLError) and error.path is None:  # variables of the wrong type
        error.extensions = {"code": "BAD_USER_INPUT"}
        return False
    logger.error("unexpected error in %s", error.path, exc_info=original)
    return True


def returns_domain_errors(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Turn a raised DomainError into its union member and roll the transaction back."""

    @functools.wraps(resolver)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await resolver(*args, **kwargs)
        except DomainError as error:
            info = kwargs.get("info")
            if info is not None:
                await info.context.rollback()
            return error.to_graphql()

    return wrapper
