"""The alerts GraphQL surface: roles and mine scope on every step, visibility, manual raises, the KPI,
pages without N+1 queries, signed snapshot URLs and typed errors for malformed input."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event, select

from backend.alerts.models import Alert
from backend.audit.models import AuditEntry
from contracts.alerts import AlertSeverity
from tests.backend.alerts.api import (
    ACKNOWLEDGE,
    ALERT,
    ALERT_KPIS,
    ALERTS,
    OPEN_HAZARD,
    RESOLVE,
    raise_manual,
    raise_sensor_alert,
)
from tests.conftest import MineFixture, gql

EVERYONE = ("miner", "miner2", "team_leader", "safety_officer", "safety_officer2", "mentor", "area_manager",
            "mine_manager", "admin")
HANDLERS = {"safety_officer", "safety_officer2", "area_manager", "mine_manager"}


async def _state(platform, alert_id) -> str:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        return (await session.get(Alert, alert_id)).state.value  # type: ignore[union-attr]


STEPS = {
    "acknowledgeAlert": (ACKNOWLEDGE, {"verdict": "CONFIRMED", "note": "gas confirmed by hand meter"}, "ACKNOWLEDGED"),
    "resolveAlert": (RESOLVE, {"note": "ventilation restored"}, "RESOLVED"),
}


@pytest.mark.parametrize("step", sorted(STEPS))
async def test_every_wrong_role_and_the_wrong_mine_are_refused(client, platform, make_mine, step: str) -> None:
    mine, other = await make_mine(), await make_mine()
    document, extra, after = STEPS[step]
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    for who in EVERYONE:
        if who in HANDLERS:
            continue
        result = (await gql(client, document, {"input": {"alertId": str(alert.id), **extra}},
                            token=mine.token(who)))[step]
        assert result["__typename"] == "NotAllowed", (who, result)
    for who in ("safety_officer", "mine_manager"):
        foreign = (await gql(client, document, {"input": {"alertId": str(alert.id), **extra}},
                             token=other.token(who)))[step]
        assert foreign["__typename"] == "NotFound", foreign
    device = (await gql(client, document, {"input": {"alertId": str(alert.id), **extra}},
                        token=next(iter(mine.device_tokens.values()))))[step]
    assert device["__typename"] == "NotAllowed", device  # a device is refused like a wrong role: one shape
    assert await _state(platform, alert.id) == "RAISED"
    ok = (await gql(client, document, {"input": {"alertId": str(alert.id), **extra}},
                    token=mine.token("area_manager")))[step]
    assert ok["__typename"] == "Alert" and ok["state"] == after, ok
    again = (await gql(client, document, {"input": {"alertId": str(alert.id), **extra}},
                       token=mine.token("safety_officer")))[step]
    if step == "acknowledgeAlert":
        assert again["__typename"] == "InvalidTransition" and again["currentState"] == "ACKNOWLEDGED"


async def test_an_area_manager_handles_only_their_own_area(client, platform, make_mine) -> None:
    mine = await make_mine()
    elsewhere = await raise_sensor_alert(platform, mine.mine_id, mine.areas[1])
    mine_wide = await raise_sensor_alert(platform, mine.mine_id, None)
    for alert in (elsewhere, mine_wide):
        result = (await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": "CONFIRMED"}},
                            token=mine.token("area_manager")))["acknowledgeAlert"]
        assert result["__typename"] == "NotAllowed"
        result = (await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": "FALSE_ALARM"}},
                            token=mine.token("safety_officer")))["acknowledgeAlert"]
        assert result["__typename"] == "Alert" and result["verdict"] == "FALSE_ALARM"
        assert result["acknowledgedBy"]["id"] == mine.user_id("safety_officer")


async def test_acknowledge_then_resolve_is_audited(client, platform, make_mine) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    officer = mine.token("safety_officer")
    acked = (await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": "CONFIRMED",
                                                       "note": " checked "}}, token=officer))["acknowledgeAlert"]
    assert (acked["state"], acked["verdict"], acked["note"]) == ("ACKNOWLEDGED", "CONFIRMED", "checked")
    assert acked["acknowledgedAt"] is not None
    done = (await gql(client, RESOLVE, {"input": {"alertId": str(alert.id), "note": "fan restarted"}},
                      token=mine.token("mine_manager")))["resolveAlert"]
    assert done["state"] == "RESOLVED" and done["resolvedAt"] is not None and done["verdict"] == "CONFIRMED"
    again = (await gql(client, RESOLVE, {"input": {"alertId": str(alert.id)}}, token=officer))["resolveAlert"]
    assert again["__typename"] == "InvalidTransition" and again["currentState"] == "RESOLVED"
    async with platform.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == str(alert.id))
                                         .order_by(AuditEntry.seq))).all()
    assert [e.action for e in entries] == ["alert.raised", "alert.acknowledged", "alert.resolved"]
    assert entries[1].actor_role == "safety_officer" and entries[1].after["verdict"] == "CONFIRMED"
    assert entries[2].reason == "fan restarted"


async def test_a_miner_sees_their_own_area_and_mine_wide_alerts(client, platform, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    own = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    elsewhere = await raise_sensor_alert(platform, mine.mine_id, mine.areas[1])
    mine_wide = await raise_sensor_alert(platform, mine.mine_id, None)
    foreign = await raise_sensor_alert(platform, other.mine_id, other.areas[0])

    async def ids(who: str, filter: dict | None = None) -> set[str]:  # type: ignore[type-arg]
        page = (await gql(client, ALERTS, {"filter": filter, "first": 50}, token=mine.token(who)))["alerts"]
        return {edge["node"]["id"] for edge in page["edges"]}

    assert await ids("miner") == {str(own.id), str(mine_wide.id)}
    assert await ids("safety_officer") == {str(own.id), str(elsewhere.id), str(mine_wide.id)}
    assert await ids("miner", {"areaId": str(mine.areas[1])}) == set()
    assert await ids("mine_manager", {"areaId": str(mine.areas[1])}) == {str(elsewhere.id)}
    assert (await gql(client, ALERT, {"id": str(elsewhere.id)}, token=mine.token("miner")))["alert"] is None
    assert (await gql(client, ALERT, {"id": str(foreign.id)}, token=mine.token("mine_manager")))["alert"] is None
    seen = (await gql(client, ALERT, {"id": str(own.id)}, token=mine.token("miner")))["alert"]
    assert seen["area"] == {"id": str(mine.areas[0]), "name": "Area 0"} and seen["source"] == "SENSOR"


async def test_filters_and_cursor_pages(client, platform, make_mine) -> None:
    mine = await make_mine()
    made = [await raise_sensor_alert(platform, mine.mine_id, mine.areas[i % 2],
                                     severity=AlertSeverity.ALARM if i % 2 else AlertSeverity.WARNING)
            for i in range(5)]
    token = mine.token("safety_officer")
    seen: list[str] = []
    after = None
    while True:
        page = (await gql(client, ALERTS, {"first": 2, "after": after}, token=token))["alerts"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [str(a.id) for a in reversed(made)]
    alarms = (await gql(client, ALERTS, {"filter": {"severity": "ALARM", "state": "RAISED", "source": "SENSOR"}},
                        token=token))["alerts"]["edges"]
    assert {e["node"]["id"] for e in alarms} == {str(made[1].id), str(made[3].id)}
    later = (await gql(client, ALERTS, {"filter": {"since": made[4].last_raised_at.isoformat()}},
                       token=token))["alerts"]["edges"]
    assert [e["node"]["id"] for e in later] == [str(made[4].id)]


async def test_a_page_of_alerts_takes_a_fixed_number_of_queries(client, platform, make_mine) -> None:
    mine = await make_mine()
    token = mine.token("safety_officer")
    for i in range(3):
        alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[i % 3])
        await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": "CONFIRMED"}}, token=token)
        await gql(client, OPEN_HAZARD, {"input": {"alertId": str(alert.id)}}, token=token)

    statements: list[str] = []

    def count(*args) -> None:  # type: ignore[no-untyped-def]
        statements.append(args[2])

    async def measure(first: int) -> int:
        await platform.publisher.settle()  # the event publisher's own statements are not the page's
        statements.clear()
        event.listen(platform.engine.sync_engine, "before_cursor_execute", count)
        try:
            page = (await gql(client, ALERTS, {"first": first}, token=token))["alerts"]
        finally:
            event.remove(platform.engine.sync_engine, "before_cursor_execute", count)
        assert len(page["edges"]) == first
        assert all(e["node"]["hazard"] and e["node"]["acknowledgedBy"] for e in page["edges"])
        return len(statements)

    assert await measure(1) == await measure(3)  # no query per alert


async def test_raise_manual_alert_is_idempotent_by_client_id(client, platform, make_mine) -> None:
    mine = await make_mine()
    client_id = str(uuid.uuid4())
    first = await raise_manual(client, mine.token("miner"), area_id=mine.areas[0], client_id=client_id)
    again = await raise_manual(client, mine.token("miner"), area_id=mine.areas[0], client_id=client_id,
                               title="a retry with other text")
    assert first["__typename"] == again["__typename"] == "Alert"
    assert first["id"] == again["id"] and again["raiseCount"] == 1 and again["title"] == first["title"]
    assert (first["source"], first["sourceRef"], first["state"]) == ("MANUAL", client_id, "RAISED")
    stolen = await raise_manual(client, mine.token("miner2"), area_id=mine.areas[0], client_id=client_id)
    assert stolen["__typename"] == "ValidationFailed" and stolen["field"] == "clientId"
    elsewhere = await raise_manual(client, mine.token("miner"), area_id=mine.areas[1])
    assert elsewhere["__typename"] == "NotAllowed"
    mine_wide = await raise_manual(client, mine.token("mine_manager"), area_id=None, severity="CRITICAL")
    assert mine_wide["__typename"] == "Alert" and mine_wide["area"] is None


@pytest.mark.parametrize(("change", "field"), [
    ({"title": "   "}, "title"), ({"title": "x" * 201}, "title"), ({"detail": "y" * 4001}, "detail"),
    ({"areaId": "not-an-id"}, "areaId"), ({"clientId": "nope"}, "clientId"),
])
async def test_malformed_manual_alerts_are_typed_errors(client, make_mine, change: dict, field: str) -> None:  # type: ignore[type-arg]
    mine = await make_mine()
    variables = {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]), "severity": "ALARM",
                           "title": "t", "detail": "d"} | change}
    from tests.backend.alerts.api import RAISE_MANUAL

    result = (await gql(client, RAISE_MANUAL, variables, token=mine.token("safety_officer")))["raiseManualAlert"]
    assert result["__typename"] == "ValidationFailed" and result["field"] == field, result


async def test_unknown_ids_and_bad_enums_are_clear_errors(client, make_mine) -> None:
    mine = await make_mine()
    unknown = (await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(uuid.uuid4()), "verdict": "CONFIRMED"}},
                         token=mine.token("safety_officer")))["acknowledgeAlert"]
    assert unknown["__typename"] == "NotFound"
    bad_id = (await gql(client, RESOLVE, {"input": {"alertId": "42"}}, token=mine.token("safety_officer")))
    assert bad_id["resolveAlert"]["__typename"] == "ValidationFailed" and bad_id["resolveAlert"]["field"] == "alertId"
    bad_enum = await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(uuid.uuid4()), "verdict": "MAYBE"}},
                         token=mine.token("safety_officer"), expect_errors=True)
    assert bad_enum["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "MAYBE" in bad_enum["errors"][0]["message"]
    bad_filter = await gql(client, ALERTS, {"filter": {"severity": "LOUD"}}, token=mine.token("miner"),
                           expect_errors=True)
    assert bad_filter["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    bad_cursor = await gql(client, ALERTS, {"after": "garbage"}, token=mine.token("miner"), expect_errors=True)
    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    anonymous = await gql(client, ALERTS, {}, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_open_hazard_from_alert_once_over_graphql(client, platform, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    variables = {"input": {"alertId": str(alert.id), "description": "Methane pocket at the face",
                           "suggestedGrade": "MAJOR"}}
    assert (await gql(client, OPEN_HAZARD, variables, token=mine.token("miner")))["openHazardFromAlert"][
        "__typename"] == "NotAllowed"
    assert (await gql(client, OPEN_HAZARD, variables, token=other.token("safety_officer")))["openHazardFromAlert"][
        "__typename"] == "NotFound"
    first = (await gql(client, OPEN_HAZARD, variables, token=mine.token("safety_officer")))["openHazardFromAlert"]
    retry = (await gql(client, OPEN_HAZARD, variables, token=mine.token("safety_officer")))["openHazardFromAlert"]
    assert first["__typename"] == "Hazard" and retry["id"] == first["id"]
    assert (first["source"], first["sourceRef"], first["state"]) == ("ALERT", str(alert.id), "REPORTED")
    seen = (await gql(client, ALERT, {"id": str(alert.id)}, token=mine.token("miner")))["alert"]
    assert seen["hazard"] == {"id": first["id"], "state": "REPORTED"}


async def _judge(client, mine: MineFixture, platform, verdict: str, area_index: int = 0) -> None:  # type: ignore[no-untyped-def]
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[area_index])
    result = (await gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": verdict}},
                        token=mine.token("mine_manager")))["acknowledgeAlert"]
    assert result["__typename"] == "Alert"


async def test_verdicts_feed_the_warning_accuracy_kpi(client, platform, make_mine) -> None:
    mine = await make_mine()
    for verdict in ("CONFIRMED", "CONFIRMED", "CONFIRMED", "FALSE_ALARM"):
        await _judge(client, mine, platform, verdict)
    await _judge(client, mine, platform, "FALSE_ALARM", area_index=1)
    await raise_manual(client, mine.token("miner"), area_id=mine.areas[0])  # not judged
    report = (await gql(client, ALERT_KPIS, {}, token=mine.token("mine_manager")))["alertKpis"]
    assert report["overall"] == {"raised": 6, "confirmed": 3, "falseAlarms": 2, "unjudged": 1,
                                 "warningAccuracy": 0.6}
    by_source = {row["source"]: row for row in report["bySource"]}
    assert by_source["SENSOR"]["warningAccuracy"] == 0.6 and by_source["MANUAL"]["warningAccuracy"] is None
    own_area = (await gql(client, ALERT_KPIS, {"area": str(mine.areas[1])}, token=mine.token("area_manager")))
    assert own_area["alertKpis"]["overall"]["warningAccuracy"] == 0.75  # an area manager sees their own area
    refused = await gql(client, ALERT_KPIS, {}, token=mine.token("miner"), expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_snapshot_url_is_a_short_lived_signed_download(client, platform, make_mine) -> None:
    mine = await make_mine()
    key = f"snapshots/{uuid.uuid4()}.jpg"
    await platform.store.put(key, b"\xff\xd8jpeg-bytes", content_type="image/jpeg")
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], snapshot_key=key)
    bare = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    seen = (await gql(client, ALERT, {"id": str(alert.id)}, token=mine.token("miner")))["alert"]
    assert key not in seen["snapshotUrl"]  # signed token, not the key
    response = await client.get(seen["snapshotUrl"])
    assert response.status_code == 200 and response.content == b"\xff\xd8jpeg-bytes"
    assert (await gql(client, ALERT, {"id": str(bare.id)}, token=mine.token("miner")))["alert"]["snapshotUrl"] is None


async def test_escalated_to_names_the_area_manager_then_the_mine_managers(client, platform, make_mine) -> None:
    from datetime import timedelta

    from backend.alerts import flows

    mine = await make_mine()
    in_area = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], severity=AlertSeverity.CRITICAL)
    mine_wide = await raise_sensor_alert(platform, mine.mine_id, None, severity=AlertSeverity.CRITICAL)
    query = "query($id: ID!) { alert(id: $id) { escalationLevel escalatedTo { id } } }"

    async def escalated(alert_id: uuid.UUID) -> tuple[int, list[str]]:
        seen = (await gql(client, query, {"id": str(alert_id)}, token=mine.token("safety_officer")))["alert"]
        return seen["escalationLevel"], [p["id"] for p in seen["escalatedTo"]]

    assert await escalated(in_area.id) == (0, [])
    for minutes in (6, 16):
        async with platform.session_factory() as session:
            await flows.escalate_due(session, now=in_area.first_raised_at + timedelta(minutes=minutes))
            await session.commit()
        if minutes == 6:
            assert await escalated(in_area.id) == (1, [mine.user_id("area_manager")])
            assert await escalated(mine_wide.id) == (1, [mine.user_id("mine_manager")])
    assert await escalated(in_area.id) == (2, [mine.user_id("mine_manager")])


async def test_concurrent_retries_of_one_manual_alert_make_one_row(client, platform, make_mine) -> None:
    import asyncio

    mine = await make_mine()
    client_id = str(uuid.uuid4())
    results = await asyncio.gather(*[raise_manual(client, mine.token("miner"), area_id=mine.areas[0],
                                                  client_id=client_id) for _ in range(8)])
    assert {r["__typename"] for r in results} == {"Alert"} and len({r["id"] for r in results}) == 1
    async with platform.session_factory() as session:
        rows = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id))).all()
    assert len(rows) == 1 and rows[0].raise_count == 1


async def test_two_officers_acknowledging_at_once_one_wins(client, platform, make_mine) -> None:
    import asyncio

    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    results = await asyncio.gather(*[
        gql(client, ACKNOWLEDGE, {"input": {"alertId": str(alert.id), "verdict": verdict}}, token=mine.token(who))
        for who, verdict in (("safety_officer", "CONFIRMED"), ("safety_officer2", "FALSE_ALARM"))])
    kinds = sorted(r["acknowledgeAlert"]["__typename"] for r in results)
    assert kinds == ["Alert", "InvalidTransition"]
    async with platform.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == str(alert.id),
                                                                  AuditEntry.action == "alert.acknowledged"))).all()
    assert len(entries) == 1
