"""traceability(subjectId) of an alert follows the alert's visibility: a team leader reads the history of their
own area's and mine-wide alerts only; those with a mine-wide view read all of their mine's."""

from __future__ import annotations

from tests.backend.alerts.api import ACKNOWLEDGE, raise_sensor_alert
from tests.conftest import gql

TRACE = "query($id: ID!) { traceability(subjectId: $id) { action after } }"


async def _trace(client, token: str, alert) -> list[str]:  # type: ignore[no-untyped-def]
    body = await gql(client, TRACE, {"id": str(alert.id)}, token=token)
    return [entry["action"] for entry in body["traceability"]]


async def test_an_alerts_history_only_for_those_who_see_the_alert(client, platform, make_mine) -> None:
    mine = await make_mine()
    own = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    elsewhere = await raise_sensor_alert(platform, mine.mine_id, mine.areas[1])
    mine_wide = await raise_sensor_alert(platform, mine.mine_id, None)
    for alert in (own, elsewhere, mine_wide):
        await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": "CONFIRMED"}},
                  token=mine.token("safety_officer"))
    history = ["alert.raised", "alert.acknowledged"]

    leader = mine.token("team_leader")  # of area 0
    assert await _trace(client, leader, own) == history
    assert await _trace(client, leader, mine_wide) == history
    assert await _trace(client, leader, elsewhere) == []  # as if there were none

    for who in ("safety_officer", "area_manager", "mine_manager", "admin"):
        assert await _trace(client, mine.token(who), elsewhere) == history, who

    other = await make_mine()
    assert await _trace(client, other.token("mine_manager"), own) == []
    miner = await gql(client, TRACE, {"id": str(own.id)}, token=mine.token("miner"), expect_errors=True)
    assert miner["errors"][0]["extensions"]["code"] == "FORBIDDEN"
