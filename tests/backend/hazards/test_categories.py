"""Hazard categories with quick phrases, a report with a category and no description, and the search filter
(with hostile input for each: another mine's category, control characters, LIKE wildcards, long text)."""

from __future__ import annotations

import uuid
from typing import Any

from backend.hazards.demo import categories_for
from tests.backend.api import REPORT, jpeg_bytes, report, upload
from tests.conftest import MineFixture, gql

CATEGORIES = """query($lang: String) { hazardCategories { id code suggestedGrade name(language: $lang)
  phrases(language: $lang) } }"""
SEARCH = """query($where: HazardFilterInput) { hazards(where: $where, first: 50) {
  edges { node { id description category { code name } } } } }"""


async def _with_categories(platform, mine: MineFixture) -> None:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        session.add_all(categories_for(mine.mine_id))
        await session.commit()


async def _categories(client, mine: MineFixture, lang: str | None = None) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    found = (await gql(client, CATEGORIES, {"lang": lang}, token=mine.token("miner")))["hazardCategories"]
    return {c["code"]: c for c in found}


async def _report(client, mine: MineFixture, **fields: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    key = await upload(client, mine.token("miner"), jpeg_bytes())
    variables = {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]), "photoKeys": [key],
                           **fields}}
    return (await gql(client, REPORT, variables, token=mine.token("miner")))["reportHazard"]


async def test_categories_are_the_mines_own_in_the_language_asked(client, make_mine, platform) -> None:
    mine, other = await make_mine(), await make_mine()
    await _with_categories(platform, mine)
    zh = await _categories(client, mine)
    en = await _categories(client, mine, "en")
    assert list(zh)[:3] == ["roof", "gas", "electrical"]
    assert zh["roof"]["name"] == "顶板" and en["roof"]["name"] == "Roof and support"
    assert "顶板掉渣" in zh["roof"]["phrases"] and "Loose coal falling from the roof" in en["roof"]["phrases"]
    assert (await _categories(client, mine, "fr"))["roof"]["name"] == "顶板"       # the mine's own language
    assert zh["gas"]["suggestedGrade"] == "MAJOR"
    assert await _categories(client, other) == {}


async def test_a_report_with_a_category_needs_no_description(client, make_mine, platform) -> None:
    mine = await make_mine()
    await _with_categories(platform, mine)
    roof = (await _categories(client, mine))["roof"]
    done = await _report(client, mine, categoryId=roof["id"])
    assert done["__typename"] == "Hazard", done
    assert done["description"] == "顶板"                 # the category's name stands for it
    phrase = await _report(client, mine, categoryId=roof["id"], description="顶板掉渣")
    assert phrase["description"] == "顶板掉渣"
    listed = (await gql(client, SEARCH, {"where": {"categoryId": roof["id"]}}, token=mine.token("miner")))
    assert {e["node"]["id"] for e in listed["hazards"]["edges"]} == {done["id"], phrase["id"]}
    assert listed["hazards"]["edges"][0]["node"]["category"]["code"] == "roof"
    gas = (await _categories(client, mine))["gas"]
    major = await _report(client, mine, categoryId=gas["id"])
    hazard = await gql(client, "query($id: ID!) { hazard(id: $id) { suggestedGrade } }", {"id": major["id"]},
                       token=mine.token("miner"))
    assert hazard["hazard"]["suggestedGrade"] == "MAJOR"


async def test_a_report_without_category_or_description_and_hostile_categories_are_refused(client, make_mine,
                                                                                          platform) -> None:
    mine, other = await make_mine(), await make_mine()
    await _with_categories(platform, other)
    foreign = (await _categories(client, other))["roof"]["id"]
    nothing = await _report(client, mine)
    assert nothing["__typename"] == "ValidationFailed" and nothing["field"] == "description", nothing
    blank = await _report(client, mine, description="   ")
    assert blank["__typename"] == "ValidationFailed" and blank["field"] == "description"
    theirs = await _report(client, mine, categoryId=foreign)
    assert theirs == {"__typename": "ValidationFailed", "message": "no such hazard category in your mine",
                      "field": "categoryId"}
    missing = await _report(client, mine, categoryId=str(uuid.uuid4()))
    assert missing["__typename"] == "ValidationFailed" and missing["field"] == "categoryId"
    malformed = await _report(client, mine, categoryId="not-a-uuid")
    assert malformed["__typename"] == "ValidationFailed" and malformed["field"] == "categoryId", malformed
    await _with_categories(platform, mine)
    roof = (await _categories(client, mine))["roof"]["id"]
    nul = await _report(client, mine, categoryId=roof, description="roof\x00fall")
    assert nul["__typename"] == "ValidationFailed" and nul["field"] == "description"


async def test_search_finds_words_in_description_place_and_reporter_and_escapes_wildcards(client,
                                                                                         make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    token = mine.token("safety_officer")
    bolt = (await report(client, mine.token("miner"), mine.areas[0], description="Loose ROOF bolt at 30 m"))["id"]
    cable = (await report(client, mine.token("miner2"), mine.areas[1], description="电缆护套破损 100% worn"))["id"]
    await report(client, other.token("miner"), other.areas[0], description="Loose roof bolt elsewhere")

    async def found(text: str, **where: Any) -> set[str]:
        data = await gql(client, SEARCH, {"where": {"text": text, **where}}, token=token)
        return {e["node"]["id"] for e in data["hazards"]["edges"]}

    assert await found("roof") == {bolt}                       # case-insensitive, never another mine's
    assert await found("护套") == {cable}
    assert await found("miner2") == {cable}                   # the reporter's name
    assert await found("100%") == {cable}
    assert await found("%") == {cable}                        # a wildcard is a plain character
    assert await found("_") == set()
    assert await found("roof", areaId=str(mine.areas[1])) == set()
    assert await found("  ") == {bolt, cable}                  # blank: no text filter

    for hostile in ("roof\x00", "a" * 101, "roof\nbolt"):
        body = await client.post("/graphql", json={"query": SEARCH, "variables": {"where": {"text": hostile}}},
                                 headers={"Authorization": f"Bearer {token}"})
        errors = body.json().get("errors")
        assert errors and not body.json().get("data"), (hostile, body.json())
        assert "text" in errors[0]["message"]


async def test_observed_at_is_kept_and_a_clock_far_off_is_refused(client, make_mine) -> None:
    from datetime import UTC, datetime, timedelta

    mine = await make_mine()
    seen = datetime.now(UTC) - timedelta(hours=3)
    done = await _report(client, mine, description="roof", observedAt=seen.isoformat())
    hazard = await gql(client, "query($id: ID!) { hazard(id: $id) { observedAt } }", {"id": done["id"]},
                       token=mine.token("miner"))
    kept = datetime.fromisoformat(hazard["hazard"]["observedAt"])
    assert abs((kept.replace(tzinfo=kept.tzinfo or UTC) - seen).total_seconds()) < 1
    for bad in (datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC) - timedelta(days=40)):
        refused = await _report(client, mine, description="roof", observedAt=bad.isoformat())
        assert refused["__typename"] == "ValidationFailed" and refused["field"] == "observedAt", refused
    key = await upload(client, mine.token("miner"), jpeg_bytes())
    naive = await client.post("/graphql", headers={"Authorization": f"Bearer {mine.token('miner')}"}, json={
        "query": REPORT, "variables": {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]),
                                                 "photoKeys": [key], "description": "roof",
                                                 "observedAt": "2026-12-04T08:00:00"}}})
    assert "time zone" in naive.json()["errors"][0]["message"]          # the DateTime scalar refuses it


async def test_new_queries_refuse_the_unauthenticated_and_devices_and_take_hostile_arguments(client, make_mine,
                                                                                            platform) -> None:
    from backend.accounts.models import DeviceKind

    mine = await make_mine()
    await _with_categories(platform, mine)
    counts = "{ hazardQueueCounts { toTriage } }"
    for query in (counts, "{ hazardCategories { id } }"):
        anonymous = (await client.post("/graphql", json={"query": query})).json()
        assert anonymous.get("errors") and not anonymous.get("data"), anonymous
    device = (await client.post("/graphql", json={"query": counts}, headers={
        "Authorization": f"Bearer {mine.device_tokens[DeviceKind.ROBOT]}"})).json()
    assert device.get("errors") and not device.get("data"), device
    # a language that is no language, or a hostile one, falls back to the mine's own names
    for language in ("x" * 5000, "'; drop table hazards; --"):
        names = (await gql(client, CATEGORIES, {"lang": language}, token=mine.token("miner")))["hazardCategories"]
        assert names[0]["name"] == "顶板"
    # a control character is refused at the edge, naming the argument (the one text check of every input)
    nul = await gql(client, CATEGORIES, {"lang": "\x00"}, token=mine.token("miner"), expect_errors=True)
    assert nul["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "lang"}, nul
    malformed = (await client.post("/graphql", headers={"Authorization": f"Bearer {mine.token('miner')}"}, json={
        "query": SEARCH, "variables": {"where": {"categoryId": "not-an-id"}}})).json()
    assert malformed.get("errors") and "categoryId" in malformed["errors"][0]["message"], malformed
