"""How operations execute: root fields one after another, plain attribute leaves read in one step, and values
a parent resolved ahead used as they are.

A page of 100 hazards completes ~1,500 scalar and enum fields that are plain attributes (`id`, `state`,
`createdAt`, …). graphql-core runs each through the general path — resolve info, argument check, strawberry's
basic resolver, then `complete_value` for the non-null wrapper and the leaf — which costs more than the read.
`plan_fields` marks, once per schema, the fields where that path can only ever read the attribute and
coerce it; `MinesafeExecution.execute_fields` does just that for them (no path, no resolve info), and hands
anything unusual (an error, a null for a non-null field, an awaitable, middleware) to the general path, which
then answers exactly as before.

A list resolver that fetches its items' nested objects for the whole page at once (users, areas, photos of 100
hazards: one statement each) can hand them to the items in a `resolved_ahead` dict (python field name → value);
for a type that declares that private attribute, `plan_fields` puts a resolver in front of each of its
resolver fields that answers from the dict when the value is there and calls the field's own resolver
otherwise (a hazard outside a page: a mutation's answer, `hazard(id)`). It saves strawberry's per-call Info,
argument parsing and resolver wrapper, ~400 calls on a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLFieldResolver,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
    is_non_null_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

LEAF_PLAN = "minesafe_leaf_plan"  # the attribute of a GraphQLField that holds its LeafPlan
RESOLVED_AHEAD = "resolved_ahead"  # the private attribute of a strawberry type holding values resolved ahead


@dataclass(frozen=True, slots=True)
class LeafPlan:
    """A field that strawberry resolves by reading one attribute, of a scalar or enum type, with no arguments."""

    read: Callable[[Any, str], Any]  # strawberry's default resolver (getattr unless configured otherwise)
    attribute: str
    coerce: Callable[[Any], Any]  # the leaf type's coerce_output_value
    non_null: bool


def plan_fields(schema: GraphQLSchema) -> tuple[int, int]:
    """Mark the schema's attribute leaves with their LeafPlan and put the resolved-ahead lookup in front of the
    resolvers of types that take values ahead; (leaves marked, resolvers fronted)."""
    leaves = fronted = 0
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        owner = graphql_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        takes_ahead = RESOLVED_AHEAD in getattr(getattr(owner, "origin", None), "__dataclass_fields__", {})
        for field_def in graphql_type.fields.values():
            definition = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if not isinstance(definition, StrawberryField) or field_def.args:
                continue
            if (takes_ahead and definition.base_resolver is not None and not definition.extensions
                    and field_def.resolve is not None):
                field_def.resolve = _ahead_or(definition.python_name, field_def.resolve)
                fronted += 1
                continue
            if not definition.is_basic_field or not getattr(field_def.resolve, "_is_default", False):
                continue
            non_null = is_non_null_type(field_def.type)
            leaf = field_def.type.of_type if non_null else field_def.type  # type: ignore[attr-defined]
            if is_leaf_type(leaf):
                setattr(field_def, LEAF_PLAN, LeafPlan(read=definition.default_resolver,
                                                       attribute=definition.python_name,
                                                       coerce=leaf.coerce_output_value, non_null=non_null))
                leaves += 1
    return leaves, fronted


def _ahead_or(name: str, resolve: GraphQLFieldResolver) -> GraphQLFieldResolver:
    """A resolver answering the value the parent was given ahead, else calling the field's own."""

    def resolve_ahead_or_own(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        ahead: dict[str, Any] | None = getattr(source, RESOLVED_AHEAD, None)
        if ahead is not None and name in ahead:
            return ahead[name]
        return resolve(source, info, **arguments)

    return resolve_ahead_or_own


class MinesafeExecution(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution with root fields in turn and planned leaves read directly.

    Top-level fields run one after another (as for mutations): they share the request's one session.
    Sibling root fields (`{ me { id } areas { id } }`, aliases) would otherwise use the AsyncSession
    concurrently, which SQLAlchemy refuses. Nested fields still resolve concurrently through DataLoaders.
    """

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):  # type: ignore[no-untyped-def]
        if path is None:
            return self.execute_fields_serially(parent_type, source_value, path, grouped_field_set,
                                                position_context)
        if self.middleware_manager and self.middleware_manager.middlewares:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        fields = parent_type.fields
        leaves: dict[str, Any] = {}
        others: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            plan: LeafPlan | None = getattr(fields.get(field_details_list[0].node.name.value), LEAF_PLAN, None)
            value = _read_leaf(plan, source_value, self.is_awaitable) if plan is not None else _UNREAD
            if value is _UNREAD:
                others[response_name] = field_details_list
            else:
                leaves[response_name] = value
        if not others:
            return leaves
        if not leaves:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results = super().execute_fields(parent_type, source_value, path, others, position_context)
        if self.is_awaitable(results):
            async def in_order() -> dict[str, Any]:
                return _in_order(grouped_field_set, leaves, await results)

            return in_order()
        return _in_order(grouped_field_set, leaves, results)


_UNREAD = object()


def _read_leaf(plan: LeafPlan, source: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    """The coerced value, or _UNREAD for anything the general path must handle (and report)."""
    try:
        value = plan.read(source, plan.attribute)
        if value is None:
            return _UNREAD if plan.non_null else None
        if isinstance(value, Exception) or is_awaitable(value):
            return _UNREAD
        coerced = plan.coerce(value)
    except Exception:  # the general path reads it again and reports the error, with its path
        return _UNREAD
    return _UNREAD if coerced is None or coerced is Undefined else coerced


def _in_order(grouped_field_set: dict[str, Any], leaves: dict[str, Any], others: dict[str, Any]) -> dict[str, Any]:
    """The results in the order of the selection (a field the schema lacks has no result)."""
    return {name: leaves[name] if name in leaves else others[name] for name in grouped_field_set
            if name in leaves or name in others}
