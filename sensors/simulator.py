"""Simulated demo mine: drift, a methane build-up (alarm → power cut → recovery), a creeping roof
separation, a sensor that goes silent for a while, and the demo people moving through the areas (tag
sightings of each reader every polling cycle). Publishes on the documented topics."""

from __future__ import annotations

import logging
import math
import random
import time
from datetime import UTC, datetime

import paho.mqtt.client as mqtt

from contracts.demo import DEMO_MINE, DEMO_SENSORS, DEMO_TAGS, POLLING_SECONDS
from contracts.topics import batch_topic, reading_topic, sighting_topic
from sensors.demo import tag_reader_at
from sensors.messages import (
    BatchReading,
    ReaderSightingMessage,
    SensorReadingMessage,
    SubstationBatchMessage,
    TagSighting,
)

logger = logging.getLogger(__name__)
CYCLE_S = 240.0


def scenario_value(sensor_id: str, baseline: float, t: float, rng: random.Random) -> float | None:
    """The simulated value at ``t`` seconds into the run; ``None`` while the sensor is silent."""
    phase = t % CYCLE_S
    noise = rng.gauss(0, 0.01) * max(baseline, 1.0)
    if sensor_id == "WF1-CH4-01" and 30 <= phase < 150:
        # build-up 0.35 → 1.8 % over 60 s, hold, then recovery
        peak = 1.8
        rise = min(1.0, (phase - 30) / 60) if phase < 110 else max(0.0, 1 - (phase - 110) / 40)
        return round(baseline + (peak - baseline) * rise + noise * 0.2, 3)
    if sensor_id == "WF1-ROOF-01":
        return round(baseline + 0.05 * t + abs(noise) * 0.05, 2)  # +3 mm a minute: rate alarm
    if sensor_id == "WF1-T-01" and 60 <= phase < 120:
        return None
    return round(baseline + noise + 0.02 * baseline * math.sin(t / 30), 3)


def reader_polls(t: float, now: datetime) -> dict[str, ReaderSightingMessage]:
    """What each reader sees ``t`` seconds into the run: the demo tags on its part of their routes."""
    seen: dict[str, list[TagSighting]] = {}
    for tag, _, route in DEMO_TAGS:
        reader = tag_reader_at(route, t)
        if reader is not None:
            seen.setdefault(reader, []).append(TagSighting(tag=tag, ts=now))
    return {reader: ReaderSightingMessage(sightings=tags) for reader, tags in seen.items()}


def run_simulator(host: str, port: int, *, mine: str = DEMO_MINE, duration_s: float | None = None,
                  seed: int = 7) -> int:
    """Publish until ``duration_s`` (or forever); returns the number of readings published."""
    rng = random.Random(seed)
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
                         client_id=f"minesafe-simulator-{mine}", clean_session=False)
    client.reconnect_delay_set(1, 10)
    client.connect_async(host, port)
    client.loop_start()
    start = time.monotonic()
    published = 0
    try:
        while duration_s is None or time.monotonic() - start < duration_s:
            t = time.monotonic() - start
            now = datetime.now(UTC)
            by_station: dict[str, list[BatchReading]] = {}
            for sensor_id, _, _, _, station, baseline in DEMO_SENSORS:
                value = scenario_value(sensor_id, baseline, t, rng)
                if value is None:
                    continue
                if station == "ss1":
                    by_station.setdefault(station, []).append(BatchReading(sensor_id=sensor_id, value=value, ts=now))
                else:
                    message = SensorReadingMessage(value=value, ts=now)
                    client.publish(reading_topic(mine, sensor_id), message.model_dump_json(), qos=1)
                published += 1
            for station, readings in by_station.items():
                batch = SubstationBatchMessage(readings=readings)
                client.publish(batch_topic(mine, station), batch.model_dump_json(), qos=1)
            for reader, poll in reader_polls(t, now).items():
                client.publish(sighting_topic(mine, reader), poll.model_dump_json(), qos=1)
            time.sleep(POLLING_SECONDS)
    except KeyboardInterrupt:
        pass
    finally:
        client.disconnect()
        client.loop_stop()
    return published
