"""An alert claimed to occur far ahead of the server's clock is raised at the server's time (never dropped),
with the claimed time kept in its detail; it escalates and sorts like any other."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from backend.alerts import flows
from backend.database.base import utcnow
from backend.database.unit_of_work import commit_and_publish
from contracts.alerts import AlertSeverity, AlertSource
from tests.backend.alerts.api import ALERTS, raise_sensor_alert
from tests.conftest import gql

FAR_AHEAD = datetime(2099, 1, 1, tzinfo=UTC)


async def _raise(platform, mine, *, at: datetime, key: str | None = None):  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        raised = await flows.raise_alert(
            session, actor=None, mine_id=mine.mine_id, source=AlertSource.SENSOR, source_ref="CH4-01",
            severity=AlertSeverity.ALARM, area_id=mine.areas[0], title="CH4 above the alarm threshold",
            detail="1.6 % at T1", dedupe_key=key or f"sensor:{uuid.uuid4()}", occurred_at=at)
        await commit_and_publish(session, platform.publisher)
        return raised


async def test_a_time_far_ahead_is_recorded_at_the_servers_time(client, platform, make_mine) -> None:
    mine = await make_mine()
    before = utcnow()
    raised = await _raise(platform, mine, at=FAR_AHEAD)
    alert = raised.alert
    assert raised.created and before <= alert.first_raised_at == alert.last_raised_at <= utcnow()
    assert alert.detail.startswith("1.6 % at T1") and "2099-01-01T00:00:00+00:00" in alert.detail

    async with platform.session_factory() as session:
        done = await flows.escalate_due(session, now=alert.first_raised_at + timedelta(minutes=6))
        await session.commit()
    assert alert.id in {a.id for a in done}  # it escalates like any other

    later = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0])
    edges = (await gql(client, ALERTS, {"first": 5}, token=mine.token("safety_officer")))["alerts"]["edges"]
    assert [e["node"]["id"] for e in edges] == [str(later.id), str(alert.id)]  # newest first, not pinned on top


async def test_a_repeat_far_ahead_does_not_move_the_last_raise_into_the_future(platform, make_mine) -> None:
    mine = await make_mine()
    first = (await _raise(platform, mine, at=utcnow(), key="sensor:repeat")).alert
    repeat = await _raise(platform, mine, at=FAR_AHEAD, key="sensor:repeat")
    assert not repeat.created and repeat.alert.id == first.id
    assert repeat.alert.last_raised_at <= utcnow() and "2099" in repeat.alert.detail


async def test_a_clock_a_little_ahead_is_kept(platform, make_mine) -> None:
    mine = await make_mine()
    slightly = utcnow() + timedelta(minutes=2)
    alert = (await _raise(platform, mine, at=slightly)).alert
    assert alert.first_raised_at == slightly and alert.detail == "1.6 % at T1"
