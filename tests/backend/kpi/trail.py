"""A mine's October 2026 written into the audit trail at chosen times (the real snapshots, backdated entries).

The figures every KPI, assessment and report test expects of it are worked out by hand below.

    month 2026-10 in Asia/Shanghai: 2026-09-30 16:00 UTC to 2026-10-31 16:00 UTC
    h1  team 0, reported 2 Oct, deadline 5 Oct, closed 4 Oct                     on time, 52 h
    h2  team 0, reported 5 Oct, deadline 6 Oct, closed 8 Oct                     late, 72 h
    h3  team 1 (miner2), reported 10 Oct, deadline 12 Oct, rectifying at the month's end; closed 10 Nov
    h4  reported 20 Oct, dismissed 21 Oct                                        not a hazard
    h5  team 1 (miner2), reported 20 Sep, deadline 25 Sep, still rectifying     October's backlog
    h6  reported 2 Nov                                                           not October's
    → October, mine: reported 3, closed 2 (on time 1), close-out 2/3, overdue at the end 2 (h3, h5)
      team 0: reported 2, closed 2, overdue 0; team 1: reported 1, closed 0, overdue 2
    alerts raised in October in area 0: a1 confirmed after 4 min, a2 false alarm after 10 min, a3 never judged
    sensor s1 (area 0, polling 10 s, registered in September): 372 of October's 744 hours with 360 readings each
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import principal_for
from backend.alerts import flows as alert_flows
from backend.audit.flows import record_audit
from backend.audit.models import AuditEntry
from backend.hazards.flows import snapshot
from backend.hazards.models import Hazard
from backend.platform import Platform
from backend.sensors.models import Sensor, SensorHourStat
from backend.sensors.rules import SensorKind
from contracts.alerts import AlertSeverity, AlertSource, AlertVerdict
from contracts.hazards import HazardGrade, HazardLevel, HazardState
from tests.conftest import MineFixture

S = HazardState
ACTIONS = {S.REPORTED: "hazard.reported", S.ASSIGNED: "hazard.triaged", S.RECTIFYING: "hazard.accepted",
           S.PENDING_REVIEW: "hazard.rectified", S.CLOSED: "hazard.closed", S.DISMISSED: "hazard.dismissed"}
OCT_START = datetime(2026, 9, 30, 16, tzinfo=UTC)
OCT_END = datetime(2026, 10, 31, 16, tzinfo=UTC)


def day(d: float, month: int = 10) -> datetime:
    """Local (UTC+8) midnight of day d of the month, as UTC, plus the fraction of the day."""
    return datetime(2026, month, 1, tzinfo=UTC) - timedelta(hours=8) + timedelta(days=d - 1)


@dataclass
class October:
    hazards: dict[str, str] = field(default_factory=dict)
    alerts: dict[str, str] = field(default_factory=dict)
    sensor_id: str = ""


async def _backdate(session: AsyncSession, entry: AuditEntry, at: datetime) -> None:
    """Move a recorded entry to `at`. Entries join the chain when their transaction commits, so this commits
    first (the session keeps its objects loaded); the moved time is what the figures read, not the hash."""
    await session.commit()
    await session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(at=at))


async def hazard_trail(session: AsyncSession, mine: MineFixture, *, area: int, location: str,
                       steps: list[tuple[datetime, HazardState, dict[str, Any]]]) -> str:
    """A hazard whose audited steps happened at the given times (each step's changes applied before its entry)."""
    first_at = steps[0][0]
    hazard = Hazard(id=uuid.uuid4(), mine_id=mine.mine_id, area_id=mine.areas[area], state=S.REPORTED,
                    reporter_id=mine.users["miner"].id, reporter_name="miner", description="loose roof bolt",
                    location=location, created_at=first_at, updated_at=first_at)
    session.add(hazard)
    await session.flush()
    for at, state, changes in steps:
        before = {} if state is S.REPORTED else snapshot(hazard)
        hazard.state = state
        for name, value in changes.items():
            setattr(hazard, name, value)
        if state is S.CLOSED:
            hazard.closed_at = at
        await session.flush()
        entry = await record_audit(session, actor=None, mine_id=mine.mine_id, action=ACTIONS[state],
                                   subject_type="hazard", subject_id=hazard.id, before=before,
                                   after=snapshot(hazard))
        await _backdate(session, entry, at)
    return str(hazard.id)


def triage(team: uuid.UUID, person: uuid.UUID, deadline: datetime) -> dict[str, Any]:
    return {"grade": HazardGrade.GENERAL, "level": HazardLevel.B, "team_id": team, "responsible_id": person,
            "deadline": deadline}


async def write_october(platform: Platform, mine: MineFixture) -> October:
    october = October()
    t0, t1 = mine.teams
    leader, miner2 = mine.users["team_leader"].id, mine.users["miner2"].id
    async with platform.session_factory() as session:
        october.hazards["h1"] = await hazard_trail(session, mine, area=0, location="15201 回风巷 30 m", steps=[
            (day(2), S.REPORTED, {}), (day(2.25), S.ASSIGNED, triage(t0, leader, day(5))),
            (day(3), S.RECTIFYING, {}), (day(4), S.PENDING_REVIEW, {}), (day(4.1667), S.CLOSED, {})])
        october.hazards["h2"] = await hazard_trail(session, mine, area=0, location="15201回风巷30m", steps=[
            (day(5), S.REPORTED, {}), (day(5.5), S.ASSIGNED, triage(t0, leader, day(6))),
            (day(6), S.RECTIFYING, {}), (day(7), S.PENDING_REVIEW, {}), (day(8), S.CLOSED, {})])
        october.hazards["h3"] = await hazard_trail(session, mine, area=1, location="main roadway", steps=[
            (day(10), S.REPORTED, {}), (day(10.5), S.ASSIGNED, triage(t1, miner2, day(12))),
            (day(11), S.RECTIFYING, {}), (day(10, 11), S.PENDING_REVIEW, {}), (day(10.5, 11), S.CLOSED, {})])
        october.hazards["h4"] = await hazard_trail(session, mine, area=0, location="15201 回风巷 30m", steps=[
            (day(20), S.REPORTED, {}), (day(21), S.DISMISSED, {"dismissed_reason": "duplicate"})])
        october.hazards["h5"] = await hazard_trail(session, mine, area=1, location="substation", steps=[
            (day(20, 9), S.REPORTED, {}), (day(20.5, 9), S.ASSIGNED, triage(t1, miner2, day(25, 9))),
            (day(21, 9), S.RECTIFYING, {})])
        october.hazards["h6"] = await hazard_trail(session, mine, area=0, location="face", steps=[
            (day(2, 11), S.REPORTED, {})])

        officer = principal_for(mine.users["safety_officer"])
        for key, minutes, verdict in (("a1", 4, AlertVerdict.CONFIRMED), ("a2", 10, AlertVerdict.FALSE_ALARM),
                                      ("a3", None, None)):
            raised_at = day(3 + len(october.alerts))
            raised = await alert_flows.raise_alert(
                session, actor=None, mine_id=mine.mine_id, source=AlertSource.SENSOR, source_ref=key,
                severity=AlertSeverity.ALARM, area_id=mine.areas[0], title=f"CH4 {key}", detail="",
                dedupe_key=f"test:{key}", occurred_at=raised_at)
            october.alerts[key] = str(raised.alert.id)
            if minutes is not None and verdict is not None:
                await alert_flows.acknowledge(session, actor=officer, alert_id=raised.alert.id, verdict=verdict,
                                              note=None)
                await session.commit()  # the entries join the chain at commit: only then can they be moved
                await session.execute(update(AuditEntry).where(
                    AuditEntry.subject_id == str(raised.alert.id), AuditEntry.action == "alert.acknowledged")
                    .values(at=raised_at + timedelta(minutes=minutes)))
            await session.commit()
            await session.execute(update(AuditEntry).where(
                AuditEntry.subject_id == str(raised.alert.id), AuditEntry.action == "alert.raised")
                .values(at=raised_at))

        sensor = Sensor(mine_id=mine.mine_id, code=f"T1-{uuid.uuid4().hex[:6]}", kind=SensorKind.CH4, unit="%",
                        area_id=mine.areas[0], polling_seconds=10.0, physical_min=0.0, physical_max=4.0,
                        created_at=day(1, 9))
        session.add(sensor)
        await session.flush()
        session.add_all([SensorHourStat(sensor_id=sensor.id, hour=OCT_START + timedelta(hours=2 * i), min=0.1,
                                        max=0.3, sum=72.0, count=360) for i in range(372)])
        october.sensor_id = str(sensor.id)
        await session.commit()
    return october


async def add_step(session: AsyncSession, mine: MineFixture, hazard_id: str, at: datetime,
                   state: HazardState) -> None:
    """One more audited step of an existing hazard, at `at`."""
    hazard = await session.get(Hazard, uuid.UUID(hazard_id))
    assert hazard is not None
    before = snapshot(hazard)
    hazard.state = state
    if state is S.CLOSED:
        hazard.closed_at = at
    await session.flush()
    entry = await record_audit(session, actor=None, mine_id=mine.mine_id, action=ACTIONS[state],
                               subject_type="hazard", subject_id=hazard.id, before=before, after=snapshot(hazard))
    await _backdate(session, entry, at)
