"""The alert flows in-process: folding (also concurrent), resolve by key, escalation with a fake clock,
overdue-hazard alerts, opening a hazard once — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.alerts import flows, service
from backend.alerts.models import Alert
from backend.alerts.rules import overdue_hazard_dedupe_key
from backend.audit.models import AuditEntry
from backend.database.base import utcnow
from backend.errors import InvalidTransition, ValidationFailed
from backend.hazards import flows as hazard_flows
from backend.hazards.models import Hazard
from backend.org.models import Mine
from contracts.alerts import AlertSeverity, AlertSource, AlertState, AlertVerdict
from contracts.hazards import HazardGrade, HazardLevel, HazardSource, HazardState
from tests.backend.alerts.api import raise_sensor_alert


async def _count(platform, mine_id, key: str) -> int:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        return await session.scalar(select(func.count()).select_from(Alert)
                                    .where(Alert.mine_id == mine_id, Alert.dedupe_key == key))


async def test_repeats_fold_into_one_row_with_the_highest_severity(platform, make_mine) -> None:
    mine = await make_mine()
    first = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="k", severity=AlertSeverity.WARNING)
    again = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="k", severity=AlertSeverity.CRITICAL)
    third = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="k", severity=AlertSeverity.INFO)
    assert first.id == again.id == third.id
    assert (third.raise_count, third.severity, third.state) == (3, AlertSeverity.CRITICAL, AlertState.RAISED)
    assert third.last_raised_at >= third.first_raised_at
    assert await _count(platform, mine.mine_id, "k") == 1
    async with platform.session_factory() as session:
        actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == str(first.id))
                                         .order_by(AuditEntry.seq))).all()
    assert actions == ["alert.raised", "alert.repeated", "alert.repeated"]


async def test_concurrent_raises_of_one_key_make_one_row(platform, make_mine) -> None:
    mine = await make_mine()
    alerts = await asyncio.gather(*[raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="race")
                                    for _ in range(12)])
    assert len({a.id for a in alerts}) == 1
    assert await _count(platform, mine.mine_id, "race") == 1
    async with platform.session_factory() as session:
        alert = await session.get(Alert, alerts[0].id)
        assert alert is not None and alert.raise_count == 12


async def test_two_mines_and_two_keys_stay_apart(platform, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    a = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="same")
    b = await raise_sensor_alert(platform, other.mine_id, other.areas[0], key="same")
    c = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="different")
    assert len({a.id, b.id, c.id}) == 3


async def test_resolve_by_key_then_a_new_raise_opens_a_new_alert(platform, make_mine) -> None:
    mine = await make_mine()
    first = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="ch4")
    async with platform.session_factory() as session:
        resolved = await flows.resolve_by_key(session, actor=None, mine_id=mine.mine_id, dedupe_key="ch4",
                                              reason="back below 1.0 %")
        assert resolved is not None and resolved.id == first.id and resolved.state is AlertState.RESOLVED
        assert resolved.acknowledged_at is None and resolved.resolution_note == "back below 1.0 %"
        assert await flows.resolve_by_key(session, actor=None, mine_id=mine.mine_id, dedupe_key="ch4",
                                          reason="again") is None
        await session.commit()
    second = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], key="ch4")
    assert second.id != first.id and second.raise_count == 1
    assert await _count(platform, mine.mine_id, "ch4") == 2


async def test_raise_alert_refuses_bad_input(platform, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    cases = [({"title": "  "}, "title"), ({"detail": "x" * 4001}, "detail"), ({"dedupe_key": ""}, "dedupeKey"),
             ({"area_id": other.areas[0]}, "areaId"), ({"area_id": uuid.uuid4()}, "areaId")]
    for change, field in cases:
        arguments = dict(actor=None, mine_id=mine.mine_id, source=AlertSource.SENSOR, source_ref="s",
                         severity=AlertSeverity.ALARM, area_id=mine.areas[0], title="t", detail="d",
                         dedupe_key="k") | change
        async with platform.session_factory() as session:
            with pytest.raises(ValidationFailed) as refused:
                await flows.raise_alert(session, **arguments)
            assert refused.value.field == field


async def test_escalation_follows_a_fake_clock_and_stops_when_acknowledged(platform, make_mine) -> None:
    mine = await make_mine()
    alarm = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], severity=AlertSeverity.ALARM)
    info = await raise_sensor_alert(platform, mine.mine_id, None, severity=AlertSeverity.INFO)
    acknowledged = await raise_sensor_alert(platform, mine.mine_id, mine.areas[0], severity=AlertSeverity.CRITICAL)
    async with platform.session_factory() as session:
        await flows.acknowledge(session, actor=mine.principal("safety_officer"), alert_id=acknowledged.id,
                                verdict=AlertVerdict.CONFIRMED, note=None)
        await session.commit()
    start = alarm.first_raised_at

    async def sweep(minutes: float) -> set[uuid.UUID]:
        async with platform.session_factory() as session:
            done = await flows.escalate_due(session, now=start + timedelta(minutes=minutes))
            await session.commit()
        return {a.id for a in done}

    assert alarm.id not in await sweep(4)
    assert alarm.id in await sweep(6)
    assert alarm.id not in await sweep(7)  # already at level 1
    assert alarm.id in await sweep(16)
    assert alarm.id not in await sweep(600)
    async with platform.session_factory() as session:
        row = await session.get(Alert, alarm.id)
        assert row is not None and row.escalation_level == 2 and row.escalated_at == start + timedelta(minutes=16)
        assert (await session.get(Alert, info.id)).escalation_level == 0  # type: ignore[union-attr]
        assert (await session.get(Alert, acknowledged.id)).escalation_level == 0  # type: ignore[union-attr]
        entries = (await session.scalars(select(AuditEntry).where(AuditEntry.subject_id == str(alarm.id),
                                                                  AuditEntry.action == "alert.escalated")
                                         .order_by(AuditEntry.seq))).all()
    assert [e.after["escalated_to"] for e in entries] == ["AREA_MANAGER", "MINE_MANAGERS"]
    assert entries[0].after["recipients"] == [mine.user_id("area_manager")]
    assert entries[1].after["recipients"] == [mine.user_id("mine_manager")]


async def test_a_mine_sets_its_own_escalation_minutes(platform, make_mine) -> None:
    mine = await make_mine()
    async with platform.session_factory() as session:
        row = await session.get(Mine, mine.mine_id)
        row.settings = {"alert_escalation_minutes": {"WARNING": [1]}}  # type: ignore[union-attr]
        await session.commit()
    warning = await raise_sensor_alert(platform, mine.mine_id, None, severity=AlertSeverity.WARNING)
    async with platform.session_factory() as session:
        done = await flows.escalate_due(session, now=warning.first_raised_at + timedelta(minutes=2))
        await session.commit()
    escalated = [a for a in done if a.id == warning.id]
    assert escalated and escalated[0].escalation_level == 1


async def _overdue_hazard(platform, mine) -> Hazard:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        hazard = await hazard_flows.open_from_source(
            session, actor=mine.principal("safety_officer"), mine_id=mine.mine_id, area_id=mine.areas[0],
            source=HazardSource.INSPECTION, source_ref=str(uuid.uuid4()), description="Missing guard on the belt")
        hazard = await hazard_flows.triage(
            session, actor=mine.principal("safety_officer"), hazard_id=hazard.id, grade=HazardGrade.GENERAL,
            level=HazardLevel.C, responsible_id=mine.users["miner"].id, team_id=None, deadline=None,
            control_measures=None, treatment_plan=None)
        hazard.deadline = utcnow() - timedelta(hours=1)  # as if a day went by
        await session.commit()
        return hazard


async def test_an_overdue_hazard_raises_one_alert_resolved_when_it_closes(platform, make_mine) -> None:
    mine = await make_mine()
    hazard = await _overdue_hazard(platform, mine)
    key = overdue_hazard_dedupe_key(hazard.id)
    for _ in range(3):
        async with platform.session_factory() as session:
            await flows.sweep_overdue_hazards(session, now=utcnow())
            await session.commit()
    async with platform.session_factory() as session:
        alerts = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id,
                                                            Alert.dedupe_key == key))).all()
    assert len(alerts) == 1 and alerts[0].raise_count == 1
    assert (alerts[0].source, alerts[0].source_ref, alerts[0].state) == \
        (AlertSource.HAZARD_OVERDUE, str(hazard.id), AlertState.RAISED)
    async with platform.session_factory() as session:
        await hazard_flows.dismiss(session, actor=mine.principal("safety_officer2"), hazard_id=hazard.id,
                                   reason="turned out to be a duplicate")
        await session.commit()
    async with platform.session_factory() as session:
        await flows.sweep_overdue_hazards(session, now=utcnow())  # (a live server's own sweep may come first)
        await session.commit()
        alert = await service.get(session=session, alert_id=alerts[0].id)
        assert alert is not None and alert.state is AlertState.RESOLVED
        assert "DISMISSED" in (alert.resolution_note or "")
        hazard_row = await session.get(Hazard, hazard.id)
        assert hazard_row is not None and hazard_row.state is HazardState.DISMISSED
    async with platform.session_factory() as session:  # a closed hazard is never raised again
        await flows.sweep_overdue_hazards(session, now=utcnow())
        await session.commit()
    assert await _count(platform, mine.mine_id, key) == 1


async def test_a_hazard_is_opened_from_an_alert_once(platform, make_mine) -> None:
    mine = await make_mine()
    alert = await raise_sensor_alert(platform, mine.mine_id, mine.areas[1])
    officer = mine.principal("safety_officer")
    async with platform.session_factory() as session:
        hazard = await flows.open_hazard_from_alert(session, actor=officer, alert_id=alert.id, description=None,
                                                    suggested_grade=HazardGrade.MAJOR)
        await session.commit()
    async with platform.session_factory() as session:
        again = await flows.open_hazard_from_alert(session, actor=mine.principal("mine_manager"), alert_id=alert.id,
                                                   description="another text", suggested_grade=None)
        await session.commit()
        row = await service.get(session=session, alert_id=alert.id)
    assert again.id == hazard.id
    assert (hazard.source, hazard.source_ref, hazard.area_id) == (HazardSource.ALERT, str(alert.id), mine.areas[1])
    assert hazard.description.startswith("CH4 above the alarm threshold")
    assert row is not None and row.hazard_id == hazard.id


async def test_a_mine_wide_alert_cannot_open_a_hazard_and_a_resolved_one_cannot_be_acknowledged(
        platform, make_mine) -> None:
    mine = await make_mine()
    mine_wide = await raise_sensor_alert(platform, mine.mine_id, None)
    async with platform.session_factory() as session:
        with pytest.raises(ValidationFailed):
            await flows.open_hazard_from_alert(session, actor=mine.principal("mine_manager"), alert_id=mine_wide.id,
                                               description=None, suggested_grade=None)
    async with platform.session_factory() as session:
        await flows.resolve(session, actor=mine.principal("mine_manager"), alert_id=mine_wide.id, note=None)
        await session.commit()
    async with platform.session_factory() as session:
        with pytest.raises(InvalidTransition):
            await flows.acknowledge(session, actor=mine.principal("mine_manager"), alert_id=mine_wide.id,
                                    verdict=AlertVerdict.CONFIRMED, note=None)


async def test_seed_demo_adds_alerts_in_every_situation(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from backend.config import Settings
    from backend.database.migrate import upgrade
    from backend.platform import Platform
    from backend.seed import DEMO_EXTENSIONS, seed_demo_mine
    from tests.conftest import TEST_SECRET

    assert "backend.alerts.demo:seed_alerts" in DEMO_EXTENSIONS
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=TEST_SECRET, database_url=url, store_folder=tmp_path / "o")
    await seed_demo_mine(settings)
    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            alerts = (await session.scalars(select(Alert).where(Alert.dedupe_key.like("demo:%")))).all()
            manual = (await session.scalars(select(Alert).where(Alert.source == AlertSource.MANUAL))).all()
            snapshot = next(a.snapshot_key for a in alerts if a.snapshot_key)
            assert await platform.store.get(snapshot, max_bytes=10_000_000)
    finally:
        await platform.close()
    states = sorted((a.state.value, a.verdict.value if a.verdict else None, a.escalation_level) for a in alerts)
    assert ("ACKNOWLEDGED", "CONFIRMED", 0) in states and ("ACKNOWLEDGED", "FALSE_ALARM", 0) in states
    assert ("RESOLVED", None, 0) in states and ("RAISED", None, 0) in states and ("RAISED", None, 1) in states
    assert len(manual) == 1
