"""clean_text: control characters are a ValidationFailed naming the field, never a masked database error."""

from __future__ import annotations

import uuid

import pytest

from backend.errors import ValidationFailed
from backend.validation import clean_text
from tests.backend.alerts.api import RAISE_MANUAL, raise_sensor_alert
from tests.conftest import gql

RESOLVE_WITH_NOTE = """mutation($input: ResolveAlertInput!) { resolveAlert(input: $input) { __typename
  ... on Alert { note } ... on ValidationFailed { message field } } }"""


@pytest.mark.parametrize("bad", ["a\x00b", "\x1b[31mred", "bell\x07", "del\x7f", "c1\x85x", "lone\ud800"])
def test_control_characters_are_refused_with_the_field(bad: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_text(bad, "title")
    assert refused.value.field == "title" and "U+" in str(refused.value)


def test_line_breaks_and_tabs_only_in_multiline_fields() -> None:
    assert clean_text(" line one\r\n\tline two\n", "detail") == "line one\r\n\tline two"
    assert clean_text("煤矿 ünïcode ✓", "title", multiline=False) == "煤矿 ünïcode ✓"
    for bad in ("two\nlines", "a\tb"):
        with pytest.raises(ValidationFailed) as refused:
            clean_text(bad, "code", multiline=False)
        assert refused.value.field == "code"


@pytest.mark.parametrize("field", ["title", "detail"])
async def test_a_nul_in_a_manual_alert_is_a_validation_failure(client, make_mine, field: str) -> None:
    mine = await make_mine()
    values = {"title": "smoke", "detail": "at the belt", field: "smoke\x00 at the belt"}
    body = await gql(client, RAISE_MANUAL, {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]),
                                                      "severity": "ALARM", **values}},
                     token=mine.token("miner"), expect_errors=True)
    assert "errors" not in body, body
    result = body["data"]["raiseManualAlert"]
    assert result["__typename"] == "ValidationFailed" and result["field"] == field, result


async def test_a_nul_in_a_note_is_a_validation_failure(client, make_mine, platform) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    body = await gql(client, RESOLVE_WITH_NOTE, {"input": {"alertId": str(alert.id), "note": "done\x00"}},
                     token=mine.token("safety_officer"), expect_errors=True)
    assert "errors" not in body, body
    result = body["data"]["resolveAlert"]
    assert result["__typename"] == "ValidationFailed" and result["field"] == "note", result
