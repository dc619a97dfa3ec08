"""The DOMAIN.md defaults every mine starts with, from the contract's table (``contracts.sensors``), as the
backend's KindDefaults and ThresholdValues, preloaded into each mine's editable threshold profiles."""

from __future__ import annotations

from backend.sensors.rules import KindDefaults, ThresholdValues
from contracts.sensors import ANY_LOCATION, DEFAULT_THRESHOLDS, PHYSICAL_RANGE, UNITS, SensorKind

KIND_DEFAULTS: dict[SensorKind, KindDefaults] = {
    kind: KindDefaults(unit=UNITS[kind], physical_min=low, physical_max=high)
    for kind, (low, high) in PHYSICAL_RANGE.items()
}

#: (kind, location type value or "ANY", thresholds)
DEFAULT_PROFILES: list[tuple[SensorKind, str, ThresholdValues]] = [
    (kind, location.value if location is not None else ANY_LOCATION, ThresholdValues(**limits))
    for (kind, location), limits in DEFAULT_THRESHOLDS.items()
]
