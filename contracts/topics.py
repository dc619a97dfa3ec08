"""The MQTT topic grammar, built and parsed in one place (every message is JSON, QoS 1).

Production (``{mine}`` is the mine code in lower case, e.g. ``demo``):

``minesafe/{mine}/sensors/{sensor_id}/reading``      one reading of one sensor
``minesafe/{mine}/substations/{substation}/batch``  a monitoring substation's poll of many sensors
``minesafe/{mine}/control/{power_zone}``            a power-cut / restore command of the bridge, retained: the
                                                    zone's current state, learnt at once by equipment reconnecting
``minesafe/{mine}/bridge/status``                   the bridge's online/offline state (retained, last will)
``minesafe/{mine}/position/{reader}/sighting``      a card reader's / UWB anchor's poll: the tags it sees

Drills (their own namespace, so a drill never cuts real power: ``control/#`` never matches a drill topic):

``minesafe/{mine}/drills/{drill}/batch``                 a drill's simulated readings (a substation batch)
``minesafe/{mine}/drills/{drill}/sighting``              a drill's simulated tag sightings (the reader named inside)
``minesafe/{mine}/drills/{drill}/control/{power_zone}``  a drill's power command (not retained)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

TOPIC_PREFIX = "minesafe"


class Family(enum.StrEnum):
    """The third level of a topic: what kind of publisher it belongs to."""

    SENSORS = "sensors"
    SUBSTATIONS = "substations"
    CONTROL = "control"
    BRIDGE = "bridge"
    POSITION = "position"
    DRILLS = "drills"


def reading_topic(mine: str, sensor_id: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.SENSORS}/{sensor_id}/reading"


def batch_topic(mine: str, substation: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.SUBSTATIONS}/{substation}/batch"


def control_topic(mine: str, power_zone: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.CONTROL}/{power_zone}"


def status_topic(mine: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.BRIDGE}/status"


def sighting_topic(mine: str, reader: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.POSITION}/{reader}/sighting"


def drill_batch_topic(mine: str, drill: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.DRILLS}/{drill}/batch"


def drill_sighting_topic(mine: str, drill: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.DRILLS}/{drill}/sighting"


def drill_control_topic(mine: str, drill: str, power_zone: str) -> str:
    return f"{TOPIC_PREFIX}/{mine}/{Family.DRILLS}/{drill}/control/{power_zone}"


def subscriptions(mine: str) -> list[str]:
    """The topic filters the bridge subscribes to: every data topic, production and drill."""
    return [reading_topic(mine, "+"), batch_topic(mine, "+"), sighting_topic(mine, "+"), drill_batch_topic(mine, "+"),
            drill_sighting_topic(mine, "+")]


@dataclass(frozen=True, slots=True)
class TopicParts:
    """``minesafe/{mine}/{family}/{ident}/{kind}`` taken apart."""

    mine: str
    family: str
    ident: str
    kind: str

    @property
    def is_drill(self) -> bool:
        return self.family == Family.DRILLS


def parse_topic(topic: str) -> TopicParts | None:
    """The parts of a data topic, or None when it is not one of minesafe's five-level topics."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != TOPIC_PREFIX or not all(parts):
        return None
    return TopicParts(mine=parts[1], family=parts[2], ident=parts[3], kind=parts[4])
