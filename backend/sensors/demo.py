"""The demo mine's sensors (a DEMO_EXTENSIONS hook of backend/seed.py), registered through the flows.

The sensors are the shared demo layout's (contracts/demo.py, which the simulator publishes); the seed's
sensor-bridge device token goes to var/sensor-bridge.token, where `minesafe sensors bridge` looks for it, so
that `scripts/dev` shows live alerts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.service import principal_for
from backend.platform import Platform
from backend.sensors import flows
from backend.sensors.rules import LocationType, SensorKind
from contracts.demo import DEMO_SENSORS, POLLING_SECONDS

TOKEN_FILE = Path("var/sensor-bridge.token")
ZONES = {
    "wf1": ("15201 综采工作面供电 Longwall face power", ["采煤机 shearer", "刮板输送机 armoured face conveyor",
                                                      "转载机 stage loader", "破碎机 crusher"]),
    "hf1": ("15203 掘进工作面供电 Heading face power", ["掘进机 roadheader", "局部通风机备用 auxiliary fan standby",
                                                      "带式输送机 belt conveyor"]),
}


def area_index(code: str, location: str) -> int:
    """Demo areas of backend/seed.py: 0 longwall face, 1 heading face, 2 the longwall's return airway."""
    if location == LocationType.WORKING_FACE_RETURN.value:
        return 2
    return 1 if code.startswith("HF") else 0


async def seed_sensors(session: AsyncSession, platform: Platform, demo: dict[str, Any]) -> None:
    admin = principal_for(demo["users"]["admin"])
    zones = {}
    for name, (description, equipment) in ZONES.items():
        zones[name] = await flows.save_power_zone(session, actor=admin, zone_id=None, name=name,
                                                  description=description, equipment=equipment)
    for code, kind, location, zone, _station, _baseline in DEMO_SENSORS:
        await flows.add_sensor(session, actor=admin, data=flows.SensorData(
            code=code, kind=SensorKind(kind.value), location_type=LocationType(location.value),
            area_id=demo["areas"][area_index(code, location.value)].id, polling_seconds=POLLING_SECONDS,
            power_zone_id=zones[zone].id if zone else None, cut_on_fault=kind.value == "CH4" and zone is not None))
    await asyncio.to_thread(_write_token, demo["device_tokens"]["sensor-bridge"])


def _write_token(token: str) -> None:
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    TOKEN_FILE.write_text(token + "\n")
    TOKEN_FILE.chmod(0o600)
