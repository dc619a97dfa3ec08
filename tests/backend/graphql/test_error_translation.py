"""Issue 10 items 1 and 2: domain failures are plain exceptions with one code each, translated in one place, and
the codes the clients classify by (contracts.errors) agree with the schema's union members."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLError, build_schema

from backend.errors import DomainError, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.graphql.errors import should_mask_error, union_member
from backend.hazards.flows import PhotoRejected
from contracts.errors import UNION_MEMBERS, ErrorCode, code_of

SDL = Path(__file__).resolve().parents[3] / "backend" / "schema.graphql"
FAILURES: list[DomainError] = [
    NotAllowed("not yours"), NotFound("no such hazard"), InvalidTransition("already closed", current_state="CLOSED"),
    ValidationFailed("too long", field="title"), PhotoRejected("not an image", key="k/1.jpg", reason="NOT_AN_IMAGE")]


@pytest.mark.parametrize("failure", FAILURES, ids=lambda f: type(f).__name__)
def test_each_failure_is_its_member_and_its_code(failure: DomainError) -> None:
    member = union_member(failure)
    sdl_name = member.__strawberry_definition__.name
    assert UNION_MEMBERS[sdl_name] is failure.code   # the member a client sees maps back to the same code
    assert member.message == failure.message
    top_level = GraphQLError(failure.message, original_error=failure)
    assert should_mask_error(top_level) is False     # where no member can carry it: a top-level error, same code
    assert top_level.extensions == {"code": failure.code.value}


def test_a_subclass_answers_as_its_base_member() -> None:
    class TooEarly(ValidationFailed):
        pass

    member = union_member(TooEarly("wait 3 min", field="completed"))
    assert (member.__strawberry_definition__.name, member.field) == ("ValidationFailed", "completed")


def test_every_member_of_the_contract_is_a_union_member_of_the_schema() -> None:
    schema = build_schema(SDL.read_text())
    in_unions = {t.name for union in schema.type_map.values() for t in getattr(union, "types", ())}
    assert set(UNION_MEMBERS) <= in_unions


def test_unknown_codes_are_internal_for_clients() -> None:
    assert code_of("NotAllowed") is ErrorCode.FORBIDDEN
    assert code_of("FORBIDDEN") is ErrorCode.FORBIDDEN
    assert code_of("SOMETHING_NEW") is ErrorCode.INTERNAL
    assert code_of(None) is ErrorCode.INTERNAL


def test_a_fault_is_masked() -> None:
    assert should_mask_error(GraphQLError("boom", original_error=RuntimeError("secret detail"))) is True
