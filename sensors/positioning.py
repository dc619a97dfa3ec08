"""Pure edge rules of tag sightings (personnel positioning): what the bridge forwards, what it drops.

The bridge keeps, per tag, the time of the latest sighting it forwarded. A sighting dated too far ahead of the
bridge's clock is rejected (the backend would refuse it too); one at the same time from the same reader is a
replay (a reader's retry, a broker redelivery) and dropped; one older than the tag's latest is out of order and
dropped (the position is not moved back; the backend refuses it as well)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SightingVerdict(enum.StrEnum):
    FORWARD = "FORWARD"
    AHEAD = "AHEAD"
    REPLAYED = "REPLAYED"
    OUT_OF_ORDER = "OUT_OF_ORDER"


@dataclass(frozen=True, slots=True)
class TagSeen:
    """The latest sighting of a tag the bridge forwarded."""

    ts: datetime
    reader: str


def judge_sighting(last: TagSeen | None, reader: str, ts: datetime, *, ahead_limit: datetime) -> SightingVerdict:
    if ts > ahead_limit:
        return SightingVerdict.AHEAD
    if last is None or ts > last.ts:
        return SightingVerdict.FORWARD
    if ts == last.ts and reader == last.reader:
        return SightingVerdict.REPLAYED
    if ts == last.ts:
        return SightingVerdict.FORWARD  # two readers at one moment (a boundary): the backend orders them
    return SightingVerdict.OUT_OF_ORDER
