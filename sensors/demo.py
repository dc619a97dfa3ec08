"""The demo mine's bridge config and tag routes, from the shared demo layout (``contracts.demo``); used by the
simulator and by tests (never as the bridge's config: it waits for the backend's)."""

from __future__ import annotations

from contracts.demo import DEMO_MINE, DEMO_SENSORS, POLLING_SECONDS
from contracts.sensors import PHYSICAL_RANGE, SensorKind
from sensors.api import BridgeConfig
from sensors.rules import SensorConfig, default_thresholds


def demo_config() -> BridgeConfig:
    """The demo sensors with the DOMAIN.md default thresholds."""
    sensors = []
    for sensor_id, kind, location, zone, _, _ in DEMO_SENSORS:
        low, high = PHYSICAL_RANGE[kind]
        sensors.append(SensorConfig(
            sensor_id=sensor_id, kind=kind, location_type=location, power_zone=zone,
            polling_seconds=POLLING_SECONDS, physical_min=low, physical_max=high,
            cut_on_fault=kind is SensorKind.CH4 and zone is not None,
            thresholds=default_thresholds(kind, location),
        ))
    return BridgeConfig(mine_code=DEMO_MINE, sensors=sensors)


def tag_reader_at(route: list[tuple[str, float]], t: float) -> str | None:
    """The reader that sees a tag ``t`` seconds into the run on its looping route (None: walking)."""
    cycle = sum(seconds for _, seconds in route)
    phase = t % cycle
    for reader, seconds in route:
        if phase < seconds:
            return reader or None
        phase -= seconds
    return None
