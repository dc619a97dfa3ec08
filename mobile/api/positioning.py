"""Personnel positioning (人员定位) as the app reads it: who is in an area against its limit, and an alert's
evacuation list (one read, and its live subscription). Every call blocks: run it off the UI thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mobile.api.client import ApiClient
from mobile.api.models import parse_time

PEOPLE_IN_AREA = """
query PeopleInArea($areaId: ID) {
  peopleInArea(areaId: $areaId) {
    count limit overLimit area { id name }
    people { since lastSeenAt person { id displayName } }
  }
}"""
EVACUATION_FIELDS = """id alertId startedAt total safe remaining areas { id name }
    people { safe safeAt lastSeenAt person { id displayName } startArea { id name } lastArea { id name } }"""
EVACUATION = f"query Evacuation($alertId: ID!) {{ evacuation(alertId: $alertId) {{ {EVACUATION_FIELDS} }} }}"
EVACUATION_LIVE = (f"subscription EvacuationLive($alertId: ID!) {{ evacuation(alertId: $alertId) "
                   f"{{ {EVACUATION_FIELDS} }} }}")


@dataclass(frozen=True, slots=True)
class Present:
    name: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class Occupancy:
    area_id: str
    area_name: str
    count: int
    limit: int | None
    over_limit: bool
    people: tuple[Present, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Occupancy:
        area = data.get("area") or {}
        return cls(area_id=str(area.get("id") or ""), area_name=area.get("name") or "", count=int(data["count"]),
                   limit=data.get("limit"), over_limit=bool(data.get("overLimit")),
                   people=tuple(Present(name=(p.get("person") or {}).get("displayName") or "?",
                                        since=parse_time(p.get("since"))) for p in data.get("people") or ()))


@dataclass(frozen=True, slots=True)
class Evacuee:
    name: str
    safe: bool
    start_area: str
    last_area: str
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class Evacuation:
    alert_id: str
    started_at: datetime | None
    total: int
    safe: int
    remaining: int
    areas: tuple[str, ...]
    people: tuple[Evacuee, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Evacuation:
        def name(area: dict[str, Any] | None) -> str:
            return (area or {}).get("name") or ""

        return cls(alert_id=str(data["alertId"]), started_at=parse_time(data.get("startedAt")),
                   total=int(data["total"]), safe=int(data["safe"]), remaining=int(data["remaining"]),
                   areas=tuple(name(a) for a in data.get("areas") or ()),
                   people=tuple(Evacuee(name=(p.get("person") or {}).get("displayName") or "?", safe=bool(p["safe"]),
                                        start_area=name(p.get("startArea")), last_area=name(p.get("lastArea")),
                                        last_seen_at=parse_time(p.get("lastSeenAt")))
                                for p in data.get("people") or ()))


def parse_evacuation_event(payload: dict[str, Any]) -> Evacuation | None:
    """A `next` payload of the evacuation subscription."""
    data = (payload.get("data") or {}).get("evacuation")
    return Evacuation.from_api(data) if data else None


class PositioningApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def people_in_area(self, area_id: str | None = None) -> Occupancy | None:
        data = self.client.execute(PEOPLE_IN_AREA, {"areaId": area_id})["peopleInArea"]
        return Occupancy.from_api(data) if data else None

    def evacuation(self, alert_id: str) -> Evacuation | None:
        data = self.client.execute(EVACUATION, {"alertId": alert_id})["evacuation"]
        return Evacuation.from_api(data) if data else None
