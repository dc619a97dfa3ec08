"""The alerts subscription over graphql-transport-ws against a live server; the sweep task and its CLI."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from typer.testing import CliRunner

from backend.alerts.models import Alert
from backend.alerts.tasks import sweep_once
from contracts.alerts import AlertSeverity
from tests.backend.alerts.api import ACKNOWLEDGE, raise_manual, raise_sensor_alert
from tests.conftest import gql
from tests.ws_client import subscribe

EVENTS = """subscription($area: ID) { alerts(areaId: $area) {
  kind alert { id state severity verdict area { id } acknowledgedBy { id } } } }"""


def _errors(payload):  # type: ignore[no-untyped-def]
    return payload if isinstance(payload, list) else payload["errors"]


async def _nothing_more(feed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TimeoutError):
        await feed.next(wait_s=0.8)


async def test_subscribers_get_their_areas_alerts_and_nothing_else(live_server, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    async with (
        httpx.AsyncClient(base_url=live_server.url) as http,
        subscribe(live_server.ws_url, EVENTS, {"area": str(mine.areas[0])},
                  token=mine.token("safety_officer")) as area_feed,
        subscribe(live_server.ws_url, EVENTS, token=mine.token("miner")) as miner_feed,
        subscribe(live_server.ws_url, EVENTS, token=other.token("safety_officer")) as foreign_feed,
    ):
        elsewhere = await raise_manual(http, mine.token("mine_manager"), area_id=mine.areas[1])
        here = await raise_manual(http, mine.token("miner"), area_id=mine.areas[0], severity="CRITICAL")
        assert elsewhere["__typename"] == here["__typename"] == "Alert"
        for feed in (area_feed, miner_feed):
            event = (await feed.next())["data"]["alerts"]
            assert event["kind"] == "RAISED" and event["alert"]["id"] == here["id"], event
            assert event["alert"]["area"]["id"] == str(mine.areas[0]) and event["alert"]["severity"] == "CRITICAL"

        acked = (await gql(http, ACKNOWLEDGE, {"input": {"alertId": here["id"], "verdict": "CONFIRMED"}},
                           token=mine.token("safety_officer")))["acknowledgeAlert"]
        assert acked["state"] == "ACKNOWLEDGED"
        for feed in (area_feed, miner_feed):
            event = (await feed.next())["data"]["alerts"]
            assert event["kind"] == "ACKNOWLEDGED" and event["alert"]["id"] == here["id"]
            assert event["alert"]["verdict"] == "CONFIRMED"
            assert event["alert"]["acknowledgedBy"]["id"] == mine.user_id("safety_officer")
        await _nothing_more(area_feed)
        await _nothing_more(miner_feed)

        own = await raise_manual(http, other.token("safety_officer"), area_id=other.areas[2])
        foreign = (await foreign_feed.next())["data"]["alerts"]
        assert foreign["alert"]["id"] == own["id"]  # the first event it sees is its own mine's


async def test_a_miner_may_not_watch_another_area_and_devices_may_not_watch(live_server, make_mine) -> None:
    mine = await make_mine()
    async with subscribe(live_server.ws_url, EVENTS, {"area": str(mine.areas[1])}, token=mine.token("miner")) as feed:
        payload = await feed.next()
    assert _errors(payload)[0]["extensions"]["code"] == "FORBIDDEN"
    device = next(iter(mine.device_tokens.values()))
    async with subscribe(live_server.ws_url, EVENTS, token=device) as feed:
        payload = await feed.next()
    assert _errors(payload)[0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_sweep_escalates_and_publishes(platform, make_mine) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], severity=AlertSeverity.CRITICAL)
    received: list[str] = []

    async def listen() -> None:
        async for message in platform.bus.subscribe(f"alerts.{mine.mine_id}"):
            received.append(message)

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.05)
    report = await sweep_once(platform, now=alert.first_raised_at + timedelta(minutes=6))
    await asyncio.sleep(0.05)
    listener.cancel()
    assert report.escalated >= 1
    assert any('"ESCALATED"' in m and str(alert.id) in m for m in received)


def test_the_cli_sweeps_once(database_url, settings_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from backend import cli
    from backend.alerts import tasks

    captured = {}

    async def fake(settings, *, now=None):  # type: ignore[no-untyped-def]
        captured["url"], captured["now"] = settings.database_url, now
        return tasks.SweepReport(escalated=2, overdue_raised=1, overdue_resolved=0)

    monkeypatch.setattr(tasks, "sweep_from_cli", fake)
    monkeypatch.setattr(cli, "get_settings", lambda: settings_for(database_url))
    result = CliRunner().invoke(cli.app, ["alerts", "escalate", "--now", "2030-01-01T08:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "escalated 2; overdue-hazard alerts raised 1, resolved 0" in result.output
    assert captured["url"] == database_url and captured["now"].year == 2030
    naive = CliRunner().invoke(cli.app, ["alerts", "escalate", "--now", "2030-01-01T08:00:00"])
    assert naive.exit_code != 0


async def test_sweep_from_cli_uses_its_own_platform(database_url, settings_for, make_mine, platform) -> None:
    from backend.alerts.tasks import sweep_from_cli

    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, None, severity=AlertSeverity.ALARM,
                                     key=f"cli:{uuid.uuid4()}")
    report = await sweep_from_cli(settings_for(database_url), now=alert.first_raised_at + timedelta(minutes=20))
    assert report.escalated >= 1
    async with platform.session_factory() as session:
        row = await session.get(Alert, alert.id)
        assert row is not None and row.escalation_level == 2
