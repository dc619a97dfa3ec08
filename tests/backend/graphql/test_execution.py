"""MinesafeExecution answers exactly as strawberry's own execution: the leaves it reads in one step and the
values resolved ahead give the same data and the same errors (message, path), bad values included."""

from __future__ import annotations

import enum
import json
from typing import Any

import strawberry
from strawberry.permission import BasePermission

from backend.graphql.execution import LEAF_PLAN, MinesafeExecution, plan_fields


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


ColourType = strawberry.enum(Colour, name="Colour")
calls: list[str] = []


class Refuse(BasePermission):
    message = "not yours"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Friend:
    name: str


@strawberry.type
class Item:
    id: strawberry.ID
    count: int
    colour: ColourType  # type: ignore[valid-type]
    note: str | None
    label: str  # non-null: some items hold None to break it
    resolved_ahead: strawberry.Private[dict[str, Any] | None] = None

    @strawberry.field
    def shouted(self) -> str:
        return (self.label or "").upper()

    @strawberry.field
    async def friend(self) -> Friend:
        calls.append(f"friend {self.id}")
        return Friend(name=f"own {self.id}")

    @strawberry.field(permission_classes=[Refuse])
    def secret(self) -> str | None:
        return "secret"

    @strawberry.field
    def greeting(self, loud: bool = False) -> str:
        return "HELLO" if loud else "hello"


def items() -> list[Item]:
    good = Item(id=strawberry.ID("1"), count=3, colour=Colour.RED, note=None, label="one",
                resolved_ahead={"friend": Friend(name="ahead 1"), "secret": "leaked", "greeting": "ahead"})
    plain = Item(id=strawberry.ID("2"), count=4, colour=Colour.BLUE, note="n", label="two")
    null_in_non_null = Item(id=strawberry.ID("3"), count=5, colour=Colour.RED, note=None, label=None)  # type: ignore[arg-type]
    bad_enum = Item(id=strawberry.ID("4"), count=6, colour="green", note=None, label="four")  # type: ignore[arg-type]
    bad_int = Item(id=strawberry.ID("5"), count="many", colour=Colour.BLUE, note=None, label="five")  # type: ignore[arg-type]
    return [good, plain, null_in_non_null, bad_enum, bad_int]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return items()  # type: ignore[return-value]


def schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    fast = strawberry.Schema(query=Query, execution_context_class=MinesafeExecution)
    plan_fields(fast._schema)
    return fast, strawberry.Schema(query=Query)


def test_attribute_leaves_are_planned_and_resolvers_with_arguments_or_permissions_are_not() -> None:
    fast, _ = schemas()
    fields = fast._schema.type_map["Item"].fields
    assert {name for name, f in fields.items() if getattr(f, LEAF_PLAN, None)} == {"id", "count", "colour", "note",
                                                                                    "label"}
    assert fields["friend"].resolve.__name__ == "resolve_ahead_or_own"
    assert fields["shouted"].resolve.__name__ == "resolve_ahead_or_own"
    assert fields["secret"].resolve.__name__ != "resolve_ahead_or_own"
    assert fields["greeting"].resolve.__name__ != "resolve_ahead_or_own"


async def test_the_same_data_and_errors_as_strawberrys_execution_for_good_and_bad_values() -> None:
    fast, plain = schemas()
    query = "{ items { shouted id count secret colour note greeting(loud: true) label } }"
    fast_result, plain_result = await fast.execute(query), await plain.execute(query)
    assert json.dumps(fast_result.data) == json.dumps(plain_result.data)  # the fields in the selection's order too
    assert fast_result.data is not None and fast_result.data["items"][1]["count"] == 4  # not all nulled
    assert [(e.message, e.path) for e in fast_result.errors or []] == \
        [(e.message, e.path) for e in plain_result.errors or []]
    paths = {tuple(e.path or ()) for e in fast_result.errors or []}
    assert {("items", 2, "label"), ("items", 3, "colour"), ("items", 4, "count")} <= paths
    assert ("items", 0, "secret") in paths  # the permission still refuses, whatever the parent holds


async def test_a_value_resolved_ahead_is_used_and_the_resolver_runs_only_without_one() -> None:
    fast, plain = schemas()
    calls.clear()
    result = await fast.execute("{ items { id friend { name } } }")
    names = [item["friend"]["name"] for item in result.data["items"] if item]  # type: ignore[index]
    assert names[:2] == ["ahead 1", "own 2"]
    assert "friend 1" not in calls and "friend 2" in calls
    calls.clear()
    result = await plain.execute("{ items { id friend { name } } }")
    assert result.data["items"][0]["friend"]["name"] == "own 1" and "friend 1" in calls  # type: ignore[index]
