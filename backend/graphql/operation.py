"""What the platform does around every GraphQL operation, as one strawberry extension.

strawberry wraps every hook of every extension in a fresh context manager at every stage of every request;
with eight extensions (limits, two caches, database scope, caller, edge checks, masking) that wrapping cost
more than the checks themselves on an answer save. One extension with one hook per stage does the same work,
in the same order:

- operation: the token limit and the depth and alias rules, then the operation's own database scope
  (`Context.operation_scope`: a websocket's operations and subscriptions each get one), and as the result
  leaves, server faults masked ("Unexpected error.", `should_mask_error`; what strawberry's MaskErrors does);
- parse and validate: documents parsed and validated once (LRU, shared by every request of the process;
  clients send the same few documents over and over);
- execute: the caller's token read once, then the edge checks (`EdgePolicy.check`);
- each streamed result (a subscription event): masked before it is sent, its session given back after, so an
  idle subscriber holds no connection.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import ExecutionResult, GraphQLError, parse
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionResult as StrawberryExecutionResult

from backend.graphql.context import Context
from backend.graphql.edge import EdgePolicy
from backend.graphql.errors import is_unavailable, should_mask_error, unavailable_error

logger = logging.getLogger(__name__)

DOCUMENT_CACHE_SIZE = 512
MASKED_MESSAGE = "Unexpected error."

# bounded: any caller can send new document texts, which must not grow memory without limit
_parse_cached = lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(parse)
_validate_cached = lru_cache(maxsize=DOCUMENT_CACHE_SIZE)(validate_document)


@dataclass(frozen=True)
class OperationRules:
    """What every operation is held to, made once per schema (the validation cache is keyed by the rules)."""

    edge: EdgePolicy
    validation_rules: tuple[type[ASTValidationRule], ...]
    max_tokens: int


class OperationLifecycle(SchemaExtension):
    def __init__(self, rules: OperationRules) -> None:
        self.rules = rules
        self._stream_masked = False

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        execution = self.execution_context
        execution.parse_options["max_tokens"] = self.rules.max_tokens
        execution.validation_rules = (*execution.validation_rules, *self.rules.validation_rules)
        context = execution.context
        if isinstance(context, Context):
            async with context.operation_scope():
                yield
        else:
            yield
        if self._stream_masked:  # a stream's results were masked one by one as they were sent
            return
        result = execution.result
        if isinstance(result, ExecutionResult | StrawberryExecutionResult):
            _mask(result)
        elif (initial := getattr(result, "initial_result", None)) is not None:
            _mask(initial)

    def on_parse(self) -> Iterator[None]:  # type: ignore[override]
        execution = self.execution_context
        execution.graphql_document = _parse_cached(execution.query, **execution.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:  # type: ignore[override]
        execution = self.execution_context
        execution.pre_execution_errors = _validate_cached(execution.schema._schema, execution.graphql_document,
                                                          execution.validation_rules)
        yield

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        execution = self.execution_context
        context = execution.context
        if isinstance(context, Context):
            try:
                await context.resolve_principal()
            except Exception as error:
                if not is_unavailable(error):
                    raise
                logger.warning("unavailable reading the caller's token: %s: %s", type(error).__name__, error)
                execution.result = ExecutionResult(data=None, errors=[unavailable_error()])
                yield
                return
        refusal = self.rules.edge.check(execution)
        try:
            yield
        finally:
            if refusal is not None:
                refusal.var.reset(refusal)

    async def on_stream_result(self, result: Any) -> AsyncIterator[None]:  # type: ignore[override]
        self._stream_masked = True
        _mask(result)
        for part in (*(getattr(result, "incremental", None) or ()), *(getattr(result, "completed", None) or ())):
            _mask(part)
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            await context.release_session()


def _mask(result: Any) -> None:
    errors: Sequence[GraphQLError] | None = getattr(result, "errors", None)
    if errors:
        result.errors = [_masked(error) if should_mask_error(error) else error for error in errors]


def _masked(error: GraphQLError) -> GraphQLError:
    return GraphQLError(MASKED_MESSAGE, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=None)
