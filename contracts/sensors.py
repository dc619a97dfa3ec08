"""The sensors' vocabulary and DOMAIN.md threshold defaults (煤矿安全规程 2022), shared by the bridge and the server.

Every number is a default a mine can change: the backend preloads these rows into its editable threshold
table and hands the bridge the mine's current values. A limit set is a plain mapping of THRESHOLD_FIELDS
names to values; each process turns it into its own type.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

#: how far ahead of the receiver's clock a reading may be dated (the backend's MINESAFE_SENSOR_MAX_AHEAD_SECONDS)
MAX_AHEAD_SECONDS = 300.0
#: a location type value meaning "wherever the sensor hangs" in a threshold profile
ANY_LOCATION = "ANY"


class SensorKind(enum.StrEnum):
    CH4 = "CH4"
    CO = "CO"
    O2 = "O2"
    CO2 = "CO2"
    H2S = "H2S"
    TEMPERATURE = "TEMPERATURE"
    AIR_SPEED = "AIR_SPEED"
    ROOF_SEPARATION = "ROOF_SEPARATION"
    SUPPORT_PRESSURE = "SUPPORT_PRESSURE"


class LocationType(enum.StrEnum):
    """Where a sensor hangs; methane thresholds depend on it (DOMAIN.md)."""

    WORKING_FACE = "WORKING_FACE"
    WORKING_FACE_RETURN = "WORKING_FACE_RETURN"
    HEADING_FACE = "HEADING_FACE"
    HEADING_RETURN = "HEADING_RETURN"
    INTAKE_HIGH_GAS = "INTAKE_HIGH_GAS"
    ONBOARD = "ONBOARD"
    DRAINAGE_ROADWAY = "DRAINAGE_ROADWAY"
    WORKING_FACE_INTAKE = "WORKING_FACE_INTAKE"
    CHAMBER = "CHAMBER"
    ROADWAY = "ROADWAY"


class SensorLevel(enum.StrEnum):
    """Ordered: NORMAL < WARNING < ALARM (compare with `rank`)."""

    NORMAL = "NORMAL"
    WARNING = "WARNING"
    ALARM = "ALARM"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]  # a dict lookup: the bridge asks on every reading


LEVEL_ORDER: tuple[SensorLevel, ...] = (SensorLevel.NORMAL, SensorLevel.WARNING, SensorLevel.ALARM)
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVEL_ORDER)}


class SensorFault(enum.StrEnum):
    OUT_OF_RANGE = "OUT_OF_RANGE"
    STUCK = "STUCK"
    SILENT = "SILENT"


class AlarmEvent(enum.StrEnum):
    """What the bridge tells the backend about a sensor's state."""

    LEVEL_CHANGED = "LEVEL_CHANGED"
    POWER_CUT = "POWER_CUT"
    POWER_RESTORED = "POWER_RESTORED"
    RATE_RAISED = "RATE_RAISED"
    RATE_CLEARED = "RATE_CLEARED"
    FAULT_RAISED = "FAULT_RAISED"
    FAULT_CLEARED = "FAULT_CLEARED"


class PowerAction(enum.StrEnum):
    CUT = "CUT"
    RESTORE = "RESTORE"


# --- threshold defaults ---------------------------------------------------------------------------------------
#: the limits of one sensor, by name (absent: the limit does not apply)
THRESHOLD_FIELDS: tuple[str, ...] = ("warning", "alarm", "power_cut", "restore", "low_alarm", "low_restore",
                                     "rate_delta", "rate_window_s")

UNITS: Mapping[SensorKind, str] = {
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
PHYSICAL_RANGE: Mapping[SensorKind, tuple[float, float]] = {
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

_CH4, L = SensorKind.CH4, LocationType

#: (kind, location type or None for "any location") -> limits
DEFAULT_THRESHOLDS: Mapping[tuple[SensorKind, LocationType | None], Mapping[str, float]] = {
    (_CH4, L.WORKING_FACE): {"alarm": 1.0, "power_cut": 1.5, "restore": 1.0},
    (_CH4, L.WORKING_FACE_RETURN): {"alarm": 1.0, "power_cut": 1.0, "restore": 1.0},
    (_CH4, L.HEADING_FACE): {"alarm": 1.0, "power_cut": 1.5, "restore": 1.0},
    (_CH4, L.HEADING_RETURN): {"alarm": 1.0, "power_cut": 1.0, "restore": 1.0},
    (_CH4, L.INTAKE_HIGH_GAS): {"alarm": 0.5, "power_cut": 0.5, "restore": 0.5},
    (_CH4, L.ONBOARD): {"alarm": 1.0, "power_cut": 1.5, "restore": 1.0},
    (_CH4, L.DRAINAGE_ROADWAY): {"alarm": 2.5, "power_cut": 2.5, "restore": 2.5},
    (_CH4, None): {"alarm": 1.0, "power_cut": 1.5, "restore": 1.0},
    (SensorKind.CO, None): {"alarm": 24.0},
    (SensorKind.O2, None): {"low_alarm": 20.0},
    (SensorKind.CO2, L.WORKING_FACE_INTAKE): {"alarm": 0.5},
    (SensorKind.CO2, None): {"alarm": 1.5},
    (SensorKind.H2S, None): {"alarm": 6.6},
    (SensorKind.TEMPERATURE, L.CHAMBER): {"warning": 30.0, "alarm": 34.0},
    (SensorKind.TEMPERATURE, None): {"warning": 26.0, "alarm": 30.0},
    (SensorKind.AIR_SPEED, None): {"alarm": 4.0, "low_alarm": 0.25},
    (SensorKind.ROOF_SEPARATION, None): {"warning": 10.0, "alarm": 25.0, "rate_delta": 2.0, "rate_window_s": 3600.0},
    (SensorKind.SUPPORT_PRESSURE, None): {"alarm": 90.0},
}


def default_thresholds(kind: SensorKind, location_type: LocationType | None) -> Mapping[str, float] | None:
    """The DOMAIN.md default for a sensor kind at a location, falling back to the kind's default."""
    return DEFAULT_THRESHOLDS.get((kind, location_type)) or DEFAULT_THRESHOLDS.get((kind, None))
