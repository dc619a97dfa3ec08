"""Prometheus metrics of the bridge, read at scrape time from its counters and outbox (nothing on the safety path).

``minesafe sensors bridge`` serves them on MINESAFE_SENSORS_METRICS_HOST:MINESAFE_SENSORS_METRICS_PORT (9108).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from sensors.bridge import SensorBridge

logger = logging.getLogger(__name__)
PREFIX = "minesafe_bridge"

#: counters of SensorBridge.stats: (metric name, help)
COUNTERS: dict[str, tuple[str, str]] = {
    "readings_in": ("readings", "Readings received (per-sensor and substation topics)"),
    "malformed": ("messages_malformed", "MQTT messages that could not be decoded (bad topic, JSON or values)"),
    "unknown_sensor": ("readings_unknown_sensor", "Readings of sensors the config does not name (forwarded)"),
    "out_of_order": ("readings_late", "Readings dated at or before the sensor's latest (judged upwards only)"),
    "duplicate": ("readings_duplicate", "Readings received twice (MQTT redelivery)"),
    "batches_forwarded": ("batches_forwarded", "Batches the backend accepted"),
    "forward_failures": ("forward_failures", "Failed attempts to reach the backend"),
    "dead_letters": ("batches_dead_lettered", "Batches (or their alarm changes) the backend refused for good"),
    "heartbeat_failures": ("heartbeat_failures", "Failed health reports to the backend"),
    "connect_refused": ("mqtt_connect_refused", "MQTT connections the broker refused (credentials, ACL)"),
    "disconnects": ("mqtt_disconnects", "Lost MQTT connections"),
    "errors": ("message_errors", "Messages whose handling failed unexpectedly"),
}


class BridgeCollector(Collector):
    """One bridge's health as Prometheus metrics."""

    def __init__(self, bridge: SensorBridge) -> None:
        self.bridge = bridge

    def collect(self) -> Iterator[Metric]:
        bridge, stats = self.bridge, dict(self.bridge.stats)
        for key, (name, text) in COUNTERS.items():
            yield CounterMetricFamily(f"{PREFIX}_{name}", text, value=stats.get(key, 0))
        rejected = CounterMetricFamily(f"{PREFIX}_readings_rejected", "Readings refused at the edge",
                                       labels=["reason"])
        rejected.add_metric(["too_far_ahead"], stats.get("rejected_ahead", 0))
        yield rejected
        controls = CounterMetricFamily(f"{PREFIX}_control_commands", "Power commands published", labels=["action"])
        for action in ("CUT", "RESTORE"):
            controls.add_metric([action], stats.get(f"control_{action.lower()}", 0))
        yield controls
        sightings = CounterMetricFamily(f"{PREFIX}_sightings", "Tag sightings received (positioning), by verdict",
                                        labels=["verdict"])
        forwarded = stats.get("sightings_in", 0) - sum(
            stats.get(f"sightings_{v}", 0) for v in ("ahead", "replayed", "out_of_order"))
        sightings.add_metric(["forwarded"], forwarded)
        for verdict in ("ahead", "replayed", "out_of_order"):
            sightings.add_metric([verdict], stats.get(f"sightings_{verdict}", 0))
        yield sightings
        yield GaugeMetricFamily(f"{PREFIX}_outbox_batches", "Batches waiting for the backend",
                                value=bridge.store.pending_count())
        yield GaugeMetricFamily(f"{PREFIX}_dead_letter_batches", "Batches kept on disk after a final refusal",
                                value=bridge.store.dead_letter_count())
        last = bridge.last_forward_at
        yield GaugeMetricFamily(f"{PREFIX}_last_forward_timestamp_seconds",
                                "When the backend last accepted a batch (Unix time; 0: not since start)",
                                value=last.timestamp() if last else 0.0)
        yield GaugeMetricFamily(f"{PREFIX}_started_timestamp_seconds", "When the bridge started (Unix time)",
                                value=bridge.started_at.timestamp())
        yield GaugeMetricFamily(f"{PREFIX}_mqtt_connected", "1 while connected and subscribed",
                                value=1.0 if bridge.connected.is_set() else 0.0)
        yield GaugeMetricFamily(f"{PREFIX}_config_sensors", "Sensors in the config", value=len(bridge.sensors))
        yield GaugeMetricFamily(f"{PREFIX}_power_zones_cut", "Power zones the bridge holds cut",
                                value=sum(1 for holders in dict(bridge.zones).values() if holders))


def registry_for(bridge: SensorBridge) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(BridgeCollector(bridge))
    return registry


def serve_metrics(bridge: SensorBridge, *, host: str, port: int) -> None:
    """Serve /metrics in a daemon thread (prometheus_client's own server)."""
    start_http_server(port, addr=host, registry=registry_for(bridge))
    logger.info("bridge metrics on http://%s:%s/metrics", host, port)
