"""The hazardEvents subscription over graphql-transport-ws against a live server."""

from __future__ import annotations

import httpx

from tests.backend.api import TRIAGE, report
from tests.conftest import gql
from tests.ws_client import subscribe

EVENTS = """subscription($area: ID, $assignee: ID) { hazardEvents(areaId: $area, assigneeId: $assignee) {
  kind hazard { id state area { id } responsible { id } } } }"""


async def test_events_reach_subscribers_filtered_by_area_and_assignee(live_server, make_mine) -> None:
    mine = await make_mine()
    other_mine = await make_mine()
    async with (
        httpx.AsyncClient(base_url=live_server.url) as http,
        subscribe(live_server.ws_url, EVENTS, {"area": str(mine.areas[0])},
                  token=mine.token("safety_officer")) as area_feed,
        subscribe(live_server.ws_url, EVENTS, {"assignee": mine.user_id("miner2")},
                  token=mine.token("miner2")) as my_feed,
        subscribe(live_server.ws_url, EVENTS, token=other_mine.token("safety_officer")) as foreign_feed,
    ):
        elsewhere = await report(http, mine.token("miner"), mine.areas[1])
        here = await report(http, mine.token("miner"), mine.areas[0])
        event = (await area_feed.next())["data"]["hazardEvents"]
        assert event["kind"] == "REPORTED" and event["hazard"]["id"] == here["id"]
        assert event["hazard"]["area"]["id"] == str(mine.areas[0])

        await gql(http, TRIAGE, {"input": {"hazardId": elsewhere["id"], "grade": "GENERAL", "level": "C",
                                           "responsibleId": mine.user_id("miner2")}},
                  token=mine.token("safety_officer"))
        mine_event = (await my_feed.next())["data"]["hazardEvents"]
        assert mine_event["kind"] == "TRIAGED" and mine_event["hazard"]["id"] == elsewhere["id"]
        assert mine_event["hazard"]["responsible"]["id"] == mine.user_id("miner2")

        own = await report(http, other_mine.token("miner"), other_mine.areas[0])
        foreign = (await foreign_feed.next())["data"]["hazardEvents"]
        assert foreign["hazard"]["id"] == own["id"]  # the first event it sees is its own mine's


async def test_a_subscription_without_a_valid_token_is_refused(live_server) -> None:
    async with subscribe(live_server.ws_url, EVENTS, token="not-a-token") as feed:
        payload = await feed.next()
    errors = payload if isinstance(payload, list) else payload["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert errors[0]["message"].startswith("access token rejected")
