"""Demo alerts for the demo mine (a DEMO_EXTENSIONS hook of backend/seed.py), made through the flows."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import principal_for
from backend.alerts import flows
from backend.database.base import utcnow
from backend.platform import Platform
from contracts.alerts import AlertSeverity, AlertSource, AlertVerdict


async def seed_alerts(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    """One alert in each situation: raised, acknowledged (confirmed), false alarm, resolved, escalated."""
    from backend.seed import demo_photo

    mine_id, areas, users = demo["mine"].id, demo["areas"], demo["users"]
    officer, manager = principal_for(users["anjianyuan"]), principal_for(users["kuangzhang"])
    now = utcnow()

    async def raise_(key: str, source: AlertSource, severity: AlertSeverity, area: int | None, title: str,
                     detail: str, minutes_ago: float, snapshot_key: str | None = None) -> Any:
        raised = await flows.raise_alert(
            session, actor=None, mine_id=mine_id, source=source, source_ref=key, severity=severity,
            area_id=areas[area].id if area is not None else None, title=title, detail=detail,
            dedupe_key=f"demo:{key}", snapshot_key=snapshot_key, occurred_at=now - timedelta(minutes=minutes_ago))
        return raised.alert

    await raise_("T2-CH4", AlertSource.SENSOR, AlertSeverity.ALARM, 2, "回风巷 CH4 1.02 % ≥ 1.0 % alarm",
                 "15201 return airway T2 methane above the alarm threshold", 2)
    snapshot = "snapshots/demo/face-camera-no-entry.jpg"
    await platform.store.put(snapshot, demo_photo("camera-1: person in the no-entry zone", 30),
                             content_type="image/jpeg")
    confirmed = await raise_("camera-1-zone-1", AlertSource.VISION, AlertSeverity.WARNING, 0,
                             "人员进入禁入区 Person in the no-entry zone", "camera-1, zone 'shearer drum', track 7",
                             40, snapshot_key=snapshot)
    await flows.acknowledge(session, actor=officer, alert_id=confirmed.id, verdict=AlertVerdict.CONFIRMED,
                            note="班组长已制止 stopped by the team leader")
    false_alarm = await raise_("T1-CO", AlertSource.SENSOR, AlertSeverity.ALARM, 0, "工作面 CO 31 ppm ≥ 24 ppm",
                               "15201 face CO sensor T1", 90)
    await flows.acknowledge(session, actor=officer, alert_id=false_alarm.id, verdict=AlertVerdict.FALSE_ALARM,
                            note="便携仪复测 3 ppm，传感器标校 portable meter reads 3 ppm; sensor recalibrated")
    await raise_("T3-CH4", AlertSource.SENSOR, AlertSeverity.ALARM, 1, "掘进工作面 CH4 1.1 %",
                 "15203 heading face methane", 180)
    await flows.resolve_by_key(session, actor=None, mine_id=mine_id, dedupe_key="demo:T3-CH4",
                               reason="CH4 back to 0.4 % (below the restore threshold)")
    await raise_("roof-R2", AlertSource.SENSOR, AlertSeverity.CRITICAL, 0, "顶板离层 26 mm ≥ 25 mm red",
                             "15201 face roof separation R2", 8)
    await flows.escalate_due(session, now=now)
    client_id = uuid.uuid5(uuid.NAMESPACE_URL, f"minesafe-demo:{mine_id}:ventilation")
    await flows.raise_manual(session, actor=manager, client_id=client_id, area_id=None,
                             severity=AlertSeverity.INFO, title="矿井例行通风检查 Routine ventilation survey",
                             detail="surface fan switch-over 14:00–14:20")
