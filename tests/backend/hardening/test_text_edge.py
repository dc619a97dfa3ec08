"""No NUL or control character reaches the database through any string input (issue 9 items 8 and 11).

One check at the GraphQL edge covers every argument, input field, JSON value and document literal; training's
own text rules are the shared ones (a title is one line).
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from backend.accounts.models import Device
from tests.backend.training.api import CREATE_COURSE, text_course
from tests.conftest import gql

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { __typename } }"
TRACE = "query($id: ID!) { traceability(subjectId: $id) { action } }"
REGISTER = ("mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) { __typename "
            "... on ValidationFailed { message field } } }")
CONFIRM = ("mutation($input: ConfirmViolationInput!) { confirmViolation(input: $input) { __typename "
           "... on ValidationFailed { message field } } }")
TRIAGE = ("mutation($input: TriageHazardInput!) { triageHazard(input: $input) { __typename "
          "... on ValidationFailed { message field } } }")
RECORD = "query($id: ID!) { trainingRecord(personId: $id) { __typename ... on ValidationFailed { field } } }"
REVOKE = "mutation($id: ID!) { revokeDevice(deviceId: $id) { __typename ... on ValidationFailed { field } } }"


def refused(body: dict, field: str) -> None:
    """Refused before any resolver: as the ValidationFailed member where the field has one, else top-level."""
    if body.get("errors"):
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == field, body
        assert "control character (U+0000)" in error["message"] and body["data"] is None
        return
    (result,) = body["data"].values()
    assert result["__typename"] == "ValidationFailed", body
    assert result["field"] == re.sub(r"\[\d+\]", "", field).rsplit(".", 1)[-1], body
    assert "control character (U+0000)" in result["message"]


async def test_a_nul_in_any_string_input_is_refused_before_any_resolver(client, make_mine, platform) -> None:
    mine = await make_mine()
    admin, manager, officer = mine.token("admin"), mine.token("mine_manager"), mine.token("safety_officer")
    lesson = {"title": "Lesson", "kind": "TEXT", "body": "read", "minutes": 20}
    cases = [
        (LOGIN, {"u": "admin\x00", "p": "x"}, None, "u"),
        (LOGIN, {"u": "admin", "p": "pass\x00word"}, None, "p"),
        (TRACE, {"id": f"{uuid.uuid4()}\x00"}, manager, "id"),
        (REGISTER, {"input": {"name": "cam\x00era", "kind": "CAMERA"}}, admin, "input.name"),
        (CONFIRM, {"input": {"personId": mine.user_id("miner"), "violation": "no helmet\x00",
                             "sourceRef": "vision:1"}}, officer, "input.violation"),
        (CREATE_COURSE, {"input": {"title": "Gas\x00", "kind": "INDUCTION", "classHours": 1,
                                   "lessons": [lesson]}}, officer, "input.title"),
        (CREATE_COURSE, {"input": {"title": "Gas", "kind": "INDUCTION", "classHours": 1,
                                   "lessons": [lesson, {**lesson, "body": "x\x00"}]}}, officer,
         "input.lessons[1].body"),
        (TRIAGE, {"input": {"hazardId": str(uuid.uuid4()), "grade": "MAJOR", "responsibleId": str(uuid.uuid4()),
                            "treatmentPlan": {"measures": ["drain", "x\x00"]}}}, officer,
         "input.treatmentPlan.measures[1]"),
    ]
    for query, variables, token, field in cases:
        refused(await gql(client, query, variables, token=token, expect_errors=True), field)
    async with platform.session_factory() as session:  # nothing was written
        names = (await session.scalars(select(Device.name).where(Device.mine_id == mine.mine_id))).all()
    assert not [n for n in names if "\x00" in n]
    literal = await gql(client, 'mutation { login(username: "a\\u0000b", password: "x") { __typename } }',
                        expect_errors=True)
    assert literal["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and literal["data"] is None
    # line breaks and tabs pass the edge; each field's own check decides (a description may break lines)
    fine = await text_course(client, officer, title="Gas safety")
    assert fine["__typename"] == "TrainingCourse"


async def test_training_titles_use_the_shared_text_check(client, make_mine) -> None:
    mine = await make_mine()
    for title in ("Gas\nsafety", "Gas\x1b[31m"):
        course = await gql(client, CREATE_COURSE, {"input": {
            "title": title, "kind": "INDUCTION", "classHours": 1,
            "lessons": [{"title": "Lesson", "kind": "TEXT", "body": "line one\nline two", "minutes": 20}]}},
            token=mine.token("safety_officer"), expect_errors=True)
        if "errors" in course:
            assert course["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", course
        else:
            assert course["data"]["createCourse"]["__typename"] == "ValidationFailed", course


async def test_a_malformed_id_is_a_validation_failure_not_an_unexpected_error(client, make_mine) -> None:
    mine = await make_mine()
    record = await gql(client, RECORD, {"id": "not-an-id"}, token=mine.token("safety_officer"))
    assert record["trainingRecord"] == {"__typename": "ValidationFailed", "field": "personId"}
    revoked = await gql(client, REVOKE, {"id": "not-an-id"}, token=mine.token("admin"))
    assert revoked["revokeDevice"] == {"__typename": "ValidationFailed", "field": "deviceId"}


def test_the_pre_scan_finds_every_refused_character_and_no_allowed_one() -> None:
    from backend.graphql.edge import _first_bad

    for char in ("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800"):
        assert _first_bad({"a": {"b": ["ok", f"x{char}"]}}) == ("$.a.b[1]", char), repr(char)
        assert _first_bad({f"k{char}": 1}) is not None
    for fine in ("line one\nline two\r\n\ttab", "back\\u0000slash", "C:\\bin\\foo", "煤矿 ünïcode ✓ \u00a0", ""):
        assert _first_bad({"a": fine, "n": 3, "f": 1.5, "b": True, "z": None}) is None, repr(fine)
