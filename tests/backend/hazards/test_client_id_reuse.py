"""Another mine's hazard id sent as a clientId reveals nothing: the report is stored as a new one (item 14)."""

from __future__ import annotations

from tests.backend.api import report
from tests.conftest import gql


async def test_a_taken_client_id_answers_like_a_fresh_one_and_retries_find_the_first(client, make_mine) -> None:
    ours, theirs = await make_mine(), await make_mine()
    foreign = await report(client, theirs.token("miner"), theirs.areas[0], description="their hazard")
    assert foreign["__typename"] == "Hazard"

    mine_first = await report(client, ours.token("miner"), ours.areas[0], client_id=foreign["id"])
    fresh = await report(client, ours.token("miner"), ours.areas[0])
    assert mine_first["__typename"] == fresh["__typename"] == "Hazard"
    assert set(mine_first) == set(fresh) and mine_first["description"] == fresh["description"]
    assert mine_first["id"] != foreign["id"]  # stored under an id of its own
    retry = await report(client, ours.token("miner"), ours.areas[0], client_id=foreign["id"])
    assert retry["id"] == mine_first["id"]  # the retry does not duplicate
    # another mine's reporter reusing it also gets a report of their own
    colleague = await report(client, ours.token("miner2"), ours.areas[0], client_id=foreign["id"])
    assert colleague["__typename"] == "Hazard" and colleague["id"] not in (mine_first["id"], foreign["id"])
    # within one mine (where every report is visible anyway) a colleague's id is still refused, as before
    again = await report(client, theirs.token("miner2"), theirs.areas[0], client_id=foreign["id"])
    assert again["__typename"] == "ValidationFailed" and again["field"] == "clientId"
    # and the foreign hazard stays out of reach
    seen = await gql(client, "query($id: ID!) { hazard(id: $id) { id } }", {"id": foreign["id"]},
                     token=ours.token("safety_officer"), expect_errors=True)
    assert not (seen.get("data") or {}).get("hazard")
