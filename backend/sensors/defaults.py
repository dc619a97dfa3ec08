"""The DOMAIN.md defaults every mine starts with, taken from the bridge's own table (sensors/defaults.py).

Only data crosses over: the values become the backend's own enums and ThresholdValues, preloaded into
each mine's editable threshold profiles.
"""

from __future__ import annotations

from backend.sensors.rules import ANY_LOCATION, KindDefaults, SensorKind, ThresholdValues
from sensors import defaults as bridge_defaults

KIND_DEFAULTS: dict[SensorKind, KindDefaults] = {
    SensorKind(kind.value): KindDefaults(unit=bridge_defaults.UNITS[kind], physical_min=low, physical_max=high)
    for kind, (low, high) in bridge_defaults.PHYSICAL_RANGE.items()
}

#: (kind, location type value or "ANY", thresholds)
DEFAULT_PROFILES: list[tuple[SensorKind, str, ThresholdValues]] = [
    (SensorKind(kind.value), location.value if location is not None else ANY_LOCATION,
     ThresholdValues(**thresholds.model_dump()))
    for (kind, location), thresholds in bridge_defaults.DEFAULT_THRESHOLDS.items()
]
