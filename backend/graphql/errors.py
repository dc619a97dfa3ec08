"""The one translation of domain exceptions (backend/errors.py) into GraphQL: union members and error codes.

A mutation whose result union has the failure's member answers that member (clients branch on __typename);
anywhere else the failure is a top-level error whose extensions.code comes from contracts.errors. Faults
are masked and logged; an outage is the retryable UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy import exc as sa_exc

from backend.errors import DomainError, InvalidTransition, NotAllowed, NotFound, Unauthenticated, ValidationFailed
from contracts.errors import ErrorCode

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


@strawberry.type(name="NotAllowed", description="The caller's role or mine does not allow this.")
class NotAllowedType:
    message: str


@strawberry.type(name="NotFound", description="No such record in the caller's mine.")
class NotFoundType:
    message: str


@strawberry.type(name="InvalidTransition", description="The record's current state does not allow this step.")
class InvalidTransitionType:
    message: str
    current_state: str | None = None


@strawberry.type(name="ValidationFailed", description="An input value was refused.")
class ValidationFailedType:
    message: str
    field: str | None = None


class ClientError(GraphQLError):
    """A top-level error met outside any resolver (the request's edge checks, an outage reading a token)."""

    def __init__(self, message: str, code: ErrorCode) -> None:
        super().__init__(message, extensions={"code": code.value})


# the union member of each domain failure; a domain with a failure of its own registers it (register_member)
_MEMBERS: dict[type[DomainError], Callable[[Any], Any]] = {
    NotAllowed: lambda error: NotAllowedType(message=error.message),
    NotFound: lambda error: NotFoundType(message=error.message),
    InvalidTransition: lambda error: InvalidTransitionType(message=error.message,
                                                             current_state=error.current_state),
    ValidationFailed: lambda error: ValidationFailedType(message=error.message, field=error.field),
}


def register_member(failure: type[DomainError], member: Callable[[Any], Any]) -> None:
    """Answer a domain's own failure (PhotoRejected) as its own union member."""
    _MEMBERS[failure] = member


def union_member(error: DomainError) -> Any:
    """The union member answering error: its own class's, else the nearest base class's."""
    for kind in type(error).__mro__:
        if kind in _MEMBERS:
            return _MEMBERS[kind](error)
    return ValidationFailedType(message=error.message)


UNAVAILABLE = ErrorCode.UNAVAILABLE.value
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = "the service is briefly unavailable; retry shortly"
# the database (or another backing service) cannot be reached right now: nothing was saved, a retry may succeed
_UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError, OSError,
    asyncio.TimeoutError, TimeoutError)


def is_unavailable(error: BaseException | None) -> bool:
    """Whether error (or what caused it) says a backing service is unreachable: a retryable outage."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, _UNAVAILABLE_ERRORS) or (isinstance(error, sa_exc.DBAPIError)
                                                      and error.connection_invalidated):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def unavailable_error() -> ClientError:
    """The top-level UNAVAILABLE error, for an outage met outside a resolver (reading a device token)."""
    error = ClientError(UNAVAILABLE_MESSAGE, ErrorCode.UNAVAILABLE)
    error.extensions = {"code": UNAVAILABLE, "retryable": True, "retryAfterSeconds": RETRY_AFTER_SECONDS}
    return error


def is_expected(error: GraphQLError) -> bool:
    """A client's mistake (syntax, validation, credentials, a refused input), not a server fault."""
    original = error.original_error
    return original is None or isinstance(original, ClientError | Unauthenticated | DomainError) or (
        isinstance(original, GraphQLError) and error.path is None)


def log_error(error: GraphQLError) -> None:
    """Expected errors at INFO and outages at WARNING, both without a traceback; only faults are ERROR."""
    if is_expected(error):
        logger.info("client error at %s: %s", error.path, error.message)
    elif is_unavailable(error.original_error):
        logger.warning("unavailable at %s: %s: %s", error.path, type(error.original_error).__name__,
                       error.original_error)
    else:
        logger.error("unexpected error in %s", error.path, exc_info=error.original_error)


def should_mask_error(error: GraphQLError) -> bool:
    """Mask everything but validation errors and deliberate client errors; an outage becomes UNAVAILABLE."""
    original = error.original_error
    if original is None:
        return False  # parse and validation errors carry no original exception
    if isinstance(original, ClientError):
        return False
    if isinstance(original, Unauthenticated):
        error.extensions = {"code": ErrorCode.UNAUTHENTICATED.value}
        return False
    if isinstance(original, DomainError):  # raised where no union member can carry it (queries, lists)
        error.extensions = {"code": original.code.value}
        return False
    if isinstance(original, GraphQLError) and error.path is None:  # variables of the wrong type
        error.extensions = {"code": ErrorCode.BAD_USER_INPUT.value}
        return False
    if is_unavailable(original):  # typed and retryable, so outboxes and workers try again later
        error.message = UNAVAILABLE_MESSAGE
        error.extensions = {"code": UNAVAILABLE, "retryable": True, "retryAfterSeconds": RETRY_AFTER_SECONDS}
        return False
    return True


# the operation being executed (this task and the ones it starts) had an input the edge check refused
EDGE_REFUSAL: ContextVar[DomainError | None] = ContextVar("minesafe_edge_refusal", default=None)


def returns_domain_errors(resolver: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Turn a raised DomainError into its union member and roll the transaction back."""

    @functools.wraps(resolver)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        refusal = EDGE_REFUSAL.get()
        if refusal is not None:  # the edge check refused an input of this operation (backend/graphql/edge.py)
            return union_member(refusal)  # type: ignore[no-any-return]
        try:
            return await resolver(*args, **kwargs)
        except DomainError as error:
            info = kwargs.get("info")
            if info is not None:
                await info.context.rollback()
            return union_member(error)  # type: ignore[no-any-return]

    wrapper.returns_domain_errors = True  # type: ignore[attr-defined]  # the edge check answers through it
    return wrapper
