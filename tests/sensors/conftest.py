"""Shared fixtures of the sensor bridge tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sensors.broker import EmbeddedBroker
from tests.sensors.test_embedded_broker import free_port


@pytest.fixture(params=["mosquitto", "amqtt"])
def broker_port(request: pytest.FixtureRequest) -> Iterator[int]:
    """The real brokers the bridge runs on: Mosquitto on 127.0.0.1:1883, and the embedded amqtt on a free port."""
    if request.param == "mosquitto":
        request.applymarker(pytest.mark.mqtt)
        yield 1883
        return
    port = free_port()
    broker = EmbeddedBroker(port)
    broker.start()
    try:
        yield port
    finally:
        broker.stop()
