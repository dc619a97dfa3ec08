"""Retrying acknowledgeAlert / resolveAlert after a lost response returns the alert; anyone else (or another
verdict) still gets InvalidTransition, naming who did it."""

from __future__ import annotations

from sqlalchemy import select

from backend.alerts import flows
from backend.audit.models import AuditEntry
from backend.database.unit_of_work import commit_and_publish
from tests.backend.alerts.api import ACKNOWLEDGE, RESOLVE, raise_sensor_alert
from tests.conftest import gql


async def _actions(platform, alert_id) -> list[str]:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == str(alert_id))
                                         .order_by(AuditEntry.seq))).all()
    return [e.action for e in entries]


async def test_the_same_acknowledgement_again_returns_the_alert(client, platform, make_mine) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    ack = {"input": {"alertId": str(alert.id), "verdict": "CONFIRMED", "note": "gas checked"}}
    first = (await gql(client, ACKNOWLEDGE, ack, token=mine.token("safety_officer")))["acknowledgeAlert"]
    again = (await gql(client, ACKNOWLEDGE, ack, token=mine.token("safety_officer")))["acknowledgeAlert"]
    assert first["__typename"] == again["__typename"] == "Alert" and again == first

    other_verdict = {"input": {"alertId": str(alert.id), "verdict": "FALSE_ALARM"}}
    refused = (await gql(client, ACKNOWLEDGE, other_verdict, token=mine.token("safety_officer")))["acknowledgeAlert"]
    assert refused["__typename"] == "InvalidTransition" and refused["currentState"] == "ACKNOWLEDGED"
    assert "safety officer" in refused["message"] and "CONFIRMED" in refused["message"], refused
    someone_else = (await gql(client, ACKNOWLEDGE, ack, token=mine.token("safety_officer2")))["acknowledgeAlert"]
    assert someone_else["__typename"] == "InvalidTransition"
    assert mine.user_id("safety_officer") in someone_else["message"], someone_else
    assert await _actions(platform, alert.id) == ["alert.raised", "alert.acknowledged"]


async def test_the_same_resolve_again_returns_the_alert(client, platform, make_mine) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    resolve = {"input": {"alertId": str(alert.id), "note": "fan restarted"}}
    first = (await gql(client, RESOLVE, resolve, token=mine.token("safety_officer")))["resolveAlert"]
    again = (await gql(client, RESOLVE, resolve, token=mine.token("safety_officer")))["resolveAlert"]
    assert first["__typename"] == again["__typename"] == "Alert" and again == first and again["state"] == "RESOLVED"
    late_ack = {"input": {"alertId": str(alert.id), "verdict": "CONFIRMED"}}
    refused = (await gql(client, ACKNOWLEDGE, late_ack, token=mine.token("safety_officer")))["acknowledgeAlert"]
    assert refused["__typename"] == "InvalidTransition" and refused["currentState"] == "RESOLVED"

    manager = (await gql(client, RESOLVE, resolve, token=mine.token("mine_manager")))["resolveAlert"]
    assert manager["__typename"] == "InvalidTransition" and manager["currentState"] == "RESOLVED"
    assert "safety officer" in manager["message"] and "fan restarted" in manager["message"], manager
    assert await _actions(platform, alert.id) == ["alert.raised", "alert.resolved"]


async def test_an_acknowledgement_retried_after_the_same_person_resolved_it(client, platform, make_mine) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    ack = {"input": {"alertId": str(alert.id), "verdict": "FALSE_ALARM"}}
    officer = mine.token("safety_officer")
    assert (await gql(client, ACKNOWLEDGE, ack, token=officer))["acknowledgeAlert"]["__typename"] == "Alert"
    await gql(client, RESOLVE, {"input": {"alertId": str(alert.id)}}, token=officer)
    again = (await gql(client, ACKNOWLEDGE, ack, token=officer))["acknowledgeAlert"]
    assert again["__typename"] == "Alert" and again["state"] == "RESOLVED" and again["verdict"] == "FALSE_ALARM"


async def test_resolving_what_the_system_resolved_names_the_system(client, platform, make_mine) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="sensor:back-to-normal")
    async with platform.session_factory() as session:
        await flows.resolve_by_key(session, actor=None, mine_id=mine.mine_id, dedupe_key="sensor:back-to-normal",
                                   reason="CH4 back below the restore threshold")
        await commit_and_publish(session, platform.publisher)
    refused = (await gql(client, RESOLVE, {"input": {"alertId": str(alert.id)}},
                         token=mine.token("safety_officer")))["resolveAlert"]
    assert refused["__typename"] == "InvalidTransition" and "the system" in refused["message"], refused
    assert "restore threshold" in refused["message"]
