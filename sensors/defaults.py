"""Default thresholds of DOMAIN.md (煤矿安全规程 2022) as data, plus physical ranges per kind.

Every number is a default a mine can change: the backend preloads these rows into its
editable threshold table and hands the bridge the mine's current values.
"""

from __future__ import annotations

from sensors.messages import LocationType, SensorKind
from sensors.rules import Thresholds

UNITS: dict[SensorKind, str] = {
    SensorKind.CH4: "%",
    SensorKind.CO: "ppm",
    SensorKind.O2: "%",
    SensorKind.CO2: "%",
    SensorKind.H2S: "ppm",
    SensorKind.TEMPERATURE: "°C",
    SensorKind.AIR_SPEED: "m/s",
    SensorKind.ROOF_SEPARATION: "mm",
    SensorKind.SUPPORT_PRESSURE: "%",
}

#: what the instrument can physically report; anything outside is a sensor fault
PHYSICAL_RANGE: dict[SensorKind, tuple[float, float]] = {
    SensorKind.CH4: (0.0, 100.0),
    SensorKind.CO: (0.0, 2000.0),
    SensorKind.O2: (0.0, 30.0),
    SensorKind.CO2: (0.0, 20.0),
    SensorKind.H2S: (0.0, 500.0),
    SensorKind.TEMPERATURE: (-30.0, 80.0),
    SensorKind.AIR_SPEED: (0.0, 25.0),
    SensorKind.ROOF_SEPARATION: (0.0, 500.0),
    SensorKind.SUPPORT_PRESSURE: (0.0, 150.0),
}

_CH4 = SensorKind.CH4
L = LocationType

#: (kind, location type or None for "any location") -> thresholds
DEFAULT_THRESHOLDS: dict[tuple[SensorKind, LocationType | None], Thresholds] = {
    (_CH4, L.WORKING_FACE): Thresholds(alarm=1.0, power_cut=1.5, restore=1.0),
    (_CH4, L.WORKING_FACE_RETURN): Thresholds(alarm=1.0, power_cut=1.0, restore=1.0),
    (_CH4, L.HEADING_FACE): Thresholds(alarm=1.0, power_cut=1.5, restore=1.0),
    (_CH4, L.HEADING_RETURN): Thresholds(alarm=1.0, power_cut=1.0, restore=1.0),
    (_CH4, L.INTAKE_HIGH_GAS): Thresholds(alarm=0.5, power_cut=0.5, restore=0.5),
    (_CH4, L.ONBOARD): Thresholds(alarm=1.0, power_cut=1.5, restore=1.0),
    (_CH4, L.DRAINAGE_ROADWAY): Thresholds(alarm=2.5, power_cut=2.5, restore=2.5),
    (_CH4, None): Thresholds(alarm=1.0, power_cut=1.5, restore=1.0),
    (SensorKind.CO, None): Thresholds(alarm=24.0),
    (SensorKind.O2, None): Thresholds(low_alarm=20.0),
    (SensorKind.CO2, L.WORKING_FACE_INTAKE): Thresholds(alarm=0.5),
    (SensorKind.CO2, None): Thresholds(alarm=1.5),
    (SensorKind.H2S, None): Thresholds(alarm=6.6),
    (SensorKind.TEMPERATURE, L.CHAMBER): Thresholds(warning=30.0, alarm=34.0),
    (SensorKind.TEMPERATURE, None): Thresholds(warning=26.0, alarm=30.0),
    (SensorKind.AIR_SPEED, None): Thresholds(alarm=4.0, low_alarm=0.25),
    (SensorKind.ROOF_SEPARATION, None): Thresholds(
        warning=10.0, alarm=25.0, rate_delta=2.0, rate_window_s=3600.0
    ),
    (SensorKind.SUPPORT_PRESSURE, None): Thresholds(alarm=90.0),
}


def default_thresholds(kind: SensorKind, location_type: LocationType | None) -> Thresholds | None:
    """The DOMAIN.md default for a sensor kind at a location, falling back to the kind's default."""
    return DEFAULT_THRESHOLDS.get((kind, location_type)) or DEFAULT_THRESHOLDS.get((kind, None))
