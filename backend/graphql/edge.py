"""Checks every operation gets at the edge, before any resolver runs.

- Text: no string input (a variable, however deep in an input object or JSON value, or a literal in the
  document) may hold a NUL, another control character or a lone surrogate; line breaks and tabs are left to
  each field's own check (`clean_text`). One place, so no new field can forget it and nothing reaches the database.
- Introspection (production): only for a signed-in caller; anonymous `__schema` / `__type` are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextvars import Token
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLObjectType,
    GraphQLUnionType,
    OperationDefinitionNode,
    StringValueNode,
    get_named_type,
    visit,
)
from graphql.language import Visitor
from strawberry.types import ExecutionContext

from backend.errors import DomainError, ValidationFailed
from backend.graphql.errors import EDGE_REFUSAL, ClientError
from backend.validation import _bad_character
from contracts.errors import ErrorCode

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


# what json.dumps(ensure_ascii=False) makes of a refused character: C0 controls escaped (but \n \r \t, which are
# allowed here), DEL, C1 and lone surrogates raw. A match is only a hint (an escaped backslash can look like one):
# the walk below decides; no match means no refused character, found at C speed.
_DUMPED_BAD = re.compile(r"\\u00(?:[01][0-9a-fA-F]|7[fF])|\\[bf]|[\x7f-\x9f\ud800-\udfff]")


def _first_bad(variables: dict[str, Any]) -> tuple[str, str] | None:
    """(path, character) of the first string in the variables holding a refused character, or None."""
    try:
        dumped = json.dumps(variables, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        dumped = None
    if dumped is not None and not _DUMPED_BAD.search(dumped):
        return None
    return next(iter(_bad_in(variables, "$")), None)


def _bad_in(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, character) for each string in value holding a refused character."""
    if isinstance(value, str):
        bad = _bad_character(value, multiline=True)
        if bad is not None:
            yield path, bad
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_in(str(key), f"{path} (a key)")
            yield from _bad_in(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _bad_in(item, f"{path}[{index}]")


class _DocumentFacts(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.bad_literal: str | None = None
        self.introspects = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if self.bad_literal is None:
            self.bad_literal = _bad_character(node.value, multiline=True)

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.introspects = self.introspects or node.name.value in INTROSPECTION_FIELDS


_FACTS: dict[str, tuple[str | None, bool]] = {}
_FACTS_SIZE = 512


def _facts(query: str, document: DocumentNode) -> tuple[str | None, bool]:
    """What the edge needs of a document (cached by its text: clients send the same few documents over and over)."""
    cached = _FACTS.get(query)
    if cached is None:
        facts = _DocumentFacts()
        visit(document, facts)
        cached = (facts.bad_literal, facts.introspects)
        if len(_FACTS) >= _FACTS_SIZE:
            _FACTS.pop(next(iter(_FACTS)))
        _FACTS[query] = cached
    return cached


def _refuse(message: str, code: ErrorCode, **extensions: Any) -> ExecutionResult:
    error = ClientError(message, code)
    error.extensions = {"code": code.value, **extensions}
    return ExecutionResult(data=None, errors=[error])


def _root_fields(document: DocumentNode, operation_name: str | None) -> frozenset[str] | None:
    """The root field names of the operation to run (None when fragments make them unclear)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                  and (operation_name is None or (d.name is not None and d.name.value == operation_name))]
    if len(operations) != 1:
        return None
    selections = operations[0].selection_set.selections
    if not all(isinstance(node, FieldNode) for node in selections):
        return None
    return frozenset(node.name.value for node in selections if isinstance(node, FieldNode))


@dataclass
class EdgePolicy:
    """What the schema says about its root fields, filled in once the schema is built (see `describe`)."""

    # fields answering ValidationFailed through `returns_domain_errors`: a refused input becomes that member
    answers_validation_failed: frozenset[str] = frozenset()
    # fields whose domain checks text item by item (a sensor batch: one bad reading must not drop the others)
    checked_per_item: frozenset[str] = frozenset({"ingestSensorBatch"})
    # production: anonymous `__schema` / `__type` are refused
    introspection_needs_sign_in: bool = False

    def describe(self, schema: strawberry.Schema) -> None:
        names: set[str] = set()
        for root in ("Query", "Mutation"):
            definition = schema.get_type_by_name(root)
            graphql_type = schema._schema.get_type(root)
            if definition is None or not isinstance(graphql_type, GraphQLObjectType):
                continue
            for strawberry_field in getattr(definition, "fields", []):
                name = schema.config.name_converter.get_graphql_name(strawberry_field)
                resolver = strawberry_field.base_resolver
                returned = get_named_type(graphql_type.fields[name].type) if name in graphql_type.fields else None
                if (resolver is not None and getattr(resolver.wrapped_func, "returns_domain_errors", False)
                        and isinstance(returned, GraphQLUnionType)
                        and any(t.name == "ValidationFailed" for t in returned.types)):
                    names.add(name)
        self.answers_validation_failed = frozenset(names)

    def check(self, execution: ExecutionContext) -> Token[DomainError | None] | None:
        """Refuse the operation with bad text in any input, or anonymous introspection where it is closed.

        A refusal is either the operation's result (a top-level BAD_USER_INPUT or UNAUTHENTICATED error) or, where
        every root field answers ValidationFailed, that union member naming the input field (like the domains'
        own checks): then EDGE_REFUSAL is set for the resolvers, and the token returned resets it afterwards.
        """
        document, query = execution.graphql_document, execution.query
        if document is None or query is None:
            return None
        bad_literal, introspects = _facts(query, document)
        if (introspects and self.introspection_needs_sign_in
                and getattr(execution.context, "principal", None) is None):
            execution.result = _refuse("introspection needs a signed-in caller", ErrorCode.UNAUTHENTICATED)
            return None
        roots = _root_fields(document, execution.operation_name)
        if roots is not None and roots <= self.checked_per_item:
            return None
        bad = _first_bad(execution.variables or {})
        if bad is not None:
            path = bad[0].removeprefix("$.")
            character = bad[1]
        elif bad_literal is not None:
            path, character = "a string in the document", bad_literal
        else:
            return None
        message = f"{path} contains a control character (U+{ord(character):04X}), which is not allowed"
        if roots and roots <= self.answers_validation_failed:
            field = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1]
            return EDGE_REFUSAL.set(ValidationFailed(message, field=field))
        execution.result = _refuse(message, ErrorCode.BAD_USER_INPUT, field=path)
        return None
