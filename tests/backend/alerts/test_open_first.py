"""Open alerts never hide behind the history: `alerts(order: OPEN_FIRST)` pages unacknowledged, then
acknowledged, then resolved alerts (most severe, then latest raised, first), and `alertCounts` is the one
server-side figure every screen shows, for the same visibility as the list."""

from __future__ import annotations

import uuid

from backend.alerts import flows
from backend.database.unit_of_work import commit_and_publish
from contracts.alerts import AlertSeverity
from tests.backend.alerts.api import ACKNOWLEDGE, raise_sensor_alert
from tests.conftest import gql

PAGE = ("query($filter: AlertFilterInput, $first: Int!, $after: String, $order: AlertOrder!) {"
        " alerts(filter: $filter, first: $first, after: $after, order: $order) {"
        " edges { cursor node { id state severity area { id } } } pageInfo { hasNextPage endCursor } } }")
COUNTS = ("query($filter: AlertFilterInput) { alertCounts(filter: $filter) {"
          " unacknowledged acknowledged open } }")
RESOLVED = 60


async def _all(client, token: str, order: str, first: int, flt: dict | None = None) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    nodes, after, cursors = [], None, set()
    while True:
        page = (await gql(client, PAGE, {"first": first, "after": after, "order": order, "filter": flt or {}},
                          token=token))["alerts"]
        nodes += [e["node"] for e in page["edges"]]
        cursors.update(e["cursor"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
        assert after in cursors


async def test_open_alerts_come_first_behind_more_than_a_page_of_resolved_ones(client, platform, make_mine) -> None:
    mine = await make_mine()
    area, other = mine.areas[0], mine.areas[1]
    # the open alerts are the oldest: a CRITICAL roof separation first, escalated while nobody acknowledged it
    critical = await raise_sensor_alert(platform, mine.mine_id, area, severity=AlertSeverity.CRITICAL)
    warning = await raise_sensor_alert(platform, mine.mine_id, area, severity=AlertSeverity.WARNING)
    alarm_other = await raise_sensor_alert(platform, mine.mine_id, other, severity=AlertSeverity.ALARM)
    wide = await raise_sensor_alert(platform, mine.mine_id, None, severity=AlertSeverity.INFO)
    acked = [await raise_sensor_alert(platform, mine.mine_id, area, severity=s)
             for s in (AlertSeverity.ALARM, AlertSeverity.CRITICAL)]
    officer = mine.token("safety_officer")
    for alert in acked:
        done = (await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": "CONFIRMED"}},
                          token=officer))["acknowledgeAlert"]
        assert done["__typename"] == "Alert", done
    # then more than a page of resolved ones, newer than all of them (the simulator's methane cycles)
    for i in range(RESOLVED):
        key = f"sensor:{uuid.uuid4()}:LEVEL"
        await raise_sensor_alert(platform, mine.mine_id, area if i % 3 else other, key=key,
                                 severity=AlertSeverity.CRITICAL if i % 2 else AlertSeverity.ALARM)
        async with platform.session_factory() as session:
            assert await flows.resolve_by_key(session, actor=None, mine_id=mine.mine_id, dedupe_key=key,
                                              reason="back to normal") is not None
            await commit_and_publish(session, platform.publisher)

    # what the app loaded before: the newest 50 hold none of the open alerts
    newest = (await gql(client, PAGE, {"first": 50, "order": "NEWEST"}, token=officer))["alerts"]["edges"]
    assert {e["node"]["state"] for e in newest} == {"RESOLVED"}

    first = (await gql(client, PAGE, {"first": 20, "order": "OPEN_FIRST"}, token=officer))["alerts"]
    shown = [e["node"]["id"] for e in first["edges"]]
    assert shown[:6] == [str(critical.id), str(alarm_other.id), str(warning.id), str(wide.id),
                         str(acked[1].id), str(acked[0].id)]
    assert first["pageInfo"]["hasNextPage"]

    # paged through 7 at a time: every alert once, in the order the rule says
    everything = await _all(client, officer, "OPEN_FIRST", 7)
    assert len(everything) == len({n["id"] for n in everything}) == 6 + RESOLVED
    rank = {"RAISED": 0, "ACKNOWLEDGED": 1, "RESOLVED": 2}
    severity = {"INFO": 0, "WARNING": 1, "ALARM": 2, "CRITICAL": 3}
    keys = [(rank[n["state"]], -severity[n["severity"]]) for n in everything]
    assert keys == sorted(keys)
    assert everything[:6] == [n for n in everything if n["state"] != "RESOLVED"]

    # the count: one figure, the same as the list's unacknowledged rows
    counts = (await gql(client, COUNTS, {}, token=officer))["alertCounts"]
    assert counts == {"unacknowledged": 4, "acknowledged": 2, "open": 6}
    in_area = (await gql(client, COUNTS, {"filter": {"areaId": str(other), "state": "RESOLVED"}},
                         token=officer))["alertCounts"]
    assert in_area == {"unacknowledged": 1, "acknowledged": 0, "open": 1}

    # a miner of the area: own area and mine-wide only, in the list and in the count alike
    miner = mine.token("miner")
    mine_view = await _all(client, miner, "OPEN_FIRST", 25)
    assert str(alarm_other.id) not in {n["id"] for n in mine_view}
    assert [n["id"] for n in mine_view[:3]] == [str(critical.id), str(warning.id), str(wide.id)]
    assert (await gql(client, COUNTS, {}, token=miner))["alertCounts"]["unacknowledged"] == 3


async def test_a_cursor_of_another_order_is_refused(client, platform, make_mine) -> None:
    mine = await make_mine()
    for _ in range(3):
        await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    token = mine.token("safety_officer")
    newest = (await gql(client, PAGE, {"first": 1, "order": "NEWEST"}, token=token))["alerts"]
    body = await gql(client, PAGE, {"first": 1, "order": "OPEN_FIRST", "after": newest["pageInfo"]["endCursor"]},
                     token=token, expect_errors=True)
    assert body.get("errors") or "ValidationFailed" in str(body), body
