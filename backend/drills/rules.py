"""Scoring a drill: each expected response measured against what happened (pure functions over plain data).

Times are drill seconds: wall-clock seconds since the drill started times its speed (a drill run at speed 10 plays
ten scenario seconds each second; a response limit of 60 s is then 6 wall-clock seconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from backend.drills.network import MineNetwork, affected_areas
from backend.drills.scenario import (
    CoFire,
    ExpectedResponse,
    MethaneRise,
    PersonDown,
    ResponseKind,
    RoofSeparation,
    Scenario,
)

T = TypeVar("T")
DRILL_TITLE = "[演练 DRILL] "  # the title prefix of every drill alert
EARLY_SLACK_S = 1.0  # a response dated up to a second before its event (clock skew between processes) still counts


@dataclass(frozen=True, slots=True)
class AlertSeen:
    """A drill alert as scoring needs it."""

    area: str | None
    raised_at: datetime
    raised_by: str
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_roles: frozenset[str] = frozenset()
    source: str = "SENSOR"
    id: str = ""


@dataclass(frozen=True, slots=True)
class EventSeen:
    """A drill event (drills.models.DrillEventKind) as scoring needs it."""

    kind: str
    at: datetime
    actor: str
    subject: str = ""
    area: str | None = None
    alert: str | None = None  # HAZARD_OPENED from a drill alert: that alert's id (it answers that alert's event)


@dataclass(frozen=True, slots=True)
class PositionSeen:
    """A drill person as the drill's positioning located them: the area first seen in, when first seen safe."""

    tag: str
    start_area: str
    safe_at: datetime | None = None


@dataclass(slots=True)
class ResponseResult:
    kind: str
    after: str
    within_s: float
    points: int
    met: bool = False
    seconds: float | None = None
    who: str | None = None
    note: str = ""
    earned: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DrillScore:
    results: list[ResponseResult] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        return float(sum(r.points for r in self.results))

    @property
    def score(self) -> float:
        """Points earned as a share of the points at stake, 0–100."""
        return round(100 * sum(r.earned for r in self.results) / self.max_score, 1) if self.max_score else 100.0


def event_area(scenario: Scenario, network: MineNetwork, event_id: str) -> str | None:
    event = scenario.event(event_id)
    if isinstance(event, MethaneRise | CoFire):
        return event.area
    if isinstance(event, PersonDown):
        return network.cameras[event.camera].area
    if isinstance(event, RoofSeparation):
        return network.sensors[event.sensor].area
    return event.from_area


def _areas(scenario: Scenario, network: MineNetwork, response: ExpectedResponse) -> set[str]:
    area = event_area(scenario, network, response.after)
    event = scenario.event(response.after)
    if area is None:
        return set()
    # gas travels with the air: an alarm or cut downstream answers the event; a camera or a roof sensor is local
    return set(affected_areas(network, area)) if isinstance(event, MethaneRise | CoFire) else {area}


def _drill_s(at: datetime, started_at: datetime, speed: float) -> float:
    return (at - started_at).total_seconds() * speed


def _first(items: Sequence[T], key: Any) -> T | None:
    ordered = sorted(items, key=key)
    return ordered[0] if ordered else None


def score_drill(scenario: Scenario, network: MineNetwork, *, started_at: datetime, speed: float,
                alerts: Sequence[AlertSeen], events: Sequence[EventSeen],
                positions: Sequence[PositionSeen] = ()) -> DrillScore:
    """Each expected response: met or missed, how long after its event (drill seconds), by whom.

    ``positions``: the drill's people as its positioning located them; an EVACUATE response is met when every
    person of its areas (the scenario's, and anyone first sighted there) was sighted in a safe area in time, and
    its time is the last one's.
    """
    result = DrillScore()
    for response in scenario.responses:
        event = scenario.event(response.after)
        t0 = event.at_s
        areas = _areas(scenario, network, response)
        item = ResponseResult(kind=response.kind.value, after=response.after, within_s=response.within_s,
                              points=response.points)
        after_event = [a for a in alerts if a.area in areas and _drill_s(a.raised_at, started_at, speed) >= t0
                       - EARLY_SLACK_S]
        # a camera answers a person down, the sensors the rest (a camera sees no methane)
        after_event = [a for a in after_event if (a.source == "VISION") == isinstance(event, PersonDown)]
        found: tuple[float, str] | None = None
        if response.kind is ResponseKind.ALARM:
            first = _first(after_event, key=lambda a: a.raised_at)
            found = (_drill_s(first.raised_at, started_at, speed), first.raised_by) if first else None
        elif response.kind is ResponseKind.ACKNOWLEDGE:
            acked = [a for a in after_event if a.acknowledged_at is not None
                     and (response.role is None or response.role.lower() in a.acknowledged_roles)]
            first = _first(acked, key=lambda a: a.acknowledged_at)
            if first is not None and first.acknowledged_at is not None:
                found = (_drill_s(first.acknowledged_at, started_at, speed), first.acknowledged_by or "")
            elif response.role and any(a.acknowledged_at for a in after_event):
                item.note = f"acknowledged, but not by a {response.role.lower()}"
        elif response.kind is ResponseKind.EVACUATE:
            found = _evacuation(scenario, network, response, positions, started_at, speed, item)
        else:
            kind = {ResponseKind.POWER_CUT: "POWER_CUT", ResponseKind.PERMITS_SUSPENDED: "PERMITS_SUSPENDED",
                    ResponseKind.HAZARD_OPENED: "HAZARD_OPENED"}[response.kind]
            answering = {a.id for a in after_event}
            matching = [e for e in events if e.kind == kind
                        and _drill_s(e.at, started_at, speed) >= t0 - EARLY_SLACK_S
                        and (kind != "POWER_CUT" or e.area in areas)
                        and (e.alert is None or e.alert in answering)]
            first_event = _first(matching, key=lambda e: e.at)
            found = (_drill_s(first_event.at, started_at, speed), first_event.actor) if first_event else None
        if found is not None:
            seconds, who = found
            item.seconds, item.who = round(max(0.0, seconds - t0), 1), who
            item.met = item.seconds <= response.within_s
            if not item.met:
                item.note = item.note or f"late by {item.seconds - response.within_s:.0f} s"
        elif not item.note:
            item.note = "missed"
        item.earned = float(item.points) if item.met else 0.0
        result.results.append(item)
    return result


def _evacuation(scenario: Scenario, network: MineNetwork, response: ExpectedResponse,
                positions: Sequence[PositionSeen], started_at: datetime, speed: float,
                item: ResponseResult) -> tuple[float, str] | None:
    areas = set(scenario.evacuation_areas(response, network))
    people = {tag for tag, area in scenario.people_tags().items() if area in areas}
    people |= {p.tag for p in positions if p.start_area in areas}
    if not people:
        item.note = "nobody was in the affected areas"
        return None
    reached = {p.tag: _drill_s(p.safe_at, started_at, speed) for p in positions if p.tag in people and p.safe_at}
    missing = people - reached.keys()
    if missing:
        unseen = missing - {p.tag for p in positions}
        item.note = (f"{len(missing)} of {len(people)} people of {', '.join(sorted(areas))} never sighted in a safe "
                     f"area" + (f" ({len(unseen)} never sighted at all)" if unseen else ""))
        return None
    return max(reached.values()), f"{len(people)} people"
