"""The demo mine's sensors, used by the simulator and as the bridge's fallback config."""

from __future__ import annotations

from sensors.api import BridgeConfig
from sensors.defaults import PHYSICAL_RANGE, default_thresholds
from sensors.messages import LocationType, SensorKind
from sensors.rules import SensorConfig

DEMO_MINE = "demo"
L, K = LocationType, SensorKind

#: (sensor id, kind, location, power zone, substation, baseline value)
DEMO_SENSORS: list[tuple[str, SensorKind, LocationType, str | None, str, float]] = [
    ("WF1-CH4-01", K.CH4, L.WORKING_FACE, "wf1", "ss1", 0.35),
    ("WF1-CH4-02", K.CH4, L.WORKING_FACE_RETURN, "wf1", "ss1", 0.30),
    ("WF1-CO-01", K.CO, L.WORKING_FACE, None, "ss1", 4.0),
    ("WF1-O2-01", K.O2, L.WORKING_FACE_INTAKE, None, "ss1", 20.8),
    ("WF1-T-01", K.TEMPERATURE, L.WORKING_FACE, None, "ss1", 23.0),
    ("WF1-ROOF-01", K.ROOF_SEPARATION, L.WORKING_FACE, None, "ss1", 3.0),
    ("WF1-SUP-01", K.SUPPORT_PRESSURE, L.WORKING_FACE, None, "ss1", 60.0),
    ("HF1-CH4-01", K.CH4, L.HEADING_FACE, "hf1", "ss2", 0.25),
    ("HF1-AS-01", K.AIR_SPEED, L.HEADING_FACE, None, "ss2", 1.2),
]
POLLING_SECONDS = 2.0


def demo_config() -> BridgeConfig:
    """The demo sensors with the DOMAIN.md default thresholds."""
    sensors = []
    for sensor_id, kind, location, zone, _, _ in DEMO_SENSORS:
        low, high = PHYSICAL_RANGE[kind]
        sensors.append(SensorConfig(
            sensor_id=sensor_id, kind=kind, location_type=location, power_zone=zone,
            polling_seconds=POLLING_SECONDS, physical_min=low, physical_max=high,
            cut_on_fault=kind is K.CH4 and zone is not None,
            thresholds=default_thresholds(kind, location) or default_thresholds(kind, None),
        ))
    return BridgeConfig(mine_code=DEMO_MINE, sensors=sensors)
