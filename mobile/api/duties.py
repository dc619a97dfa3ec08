"""Responsibility lists (责任清单) as the app reads them: typed records, the GraphQL documents, typed calls.

Every call blocks: run it off the UI thread. The app never imports backend code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mobile.api.client import ApiClient
from mobile.api.models import parse_time

LIST_FIELDS = ("id holderKind holderName state version duties hazardLevels riskPoints { id code } deviceIds postId "
               "personId publishedAt supersededAt areas { id name }")
MY_DUTIES = f"query MyDuties {{ myDuties {{ {LIST_FIELDS} }} }}"
UNITS = "query Units { areas { id name kind parentId } }"
RESPONSIBILITY_LISTS = f"""
query ResponsibilityLists($unitId: ID, $history: Boolean!) {{
  responsibilityLists(unitId: $unitId, includeHistory: $history) {{ {LIST_FIELDS} }}
}}"""
LIST_VERSIONS = f"""
query ListVersions($kind: ResponsibilityHolderKind!, $holderId: ID!) {{
  responsibilityListVersions(holderKind: $kind, holderId: $holderId) {{ {LIST_FIELDS} }}
}}"""
LIST_DIFF = """
query ListDiff($fromId: ID!, $toId: ID!) {
  responsibilityListDiff(fromId: $fromId, toId: $toId) {
    fromVersion toVersion dutiesChanged dutiesBefore dutiesAfter changes { kind added removed }
  }
}"""


@dataclass(frozen=True, slots=True)
class DutyList:
    id: str
    holder_kind: str          # POST or PERSON
    holder_name: str
    holder_id: str
    state: str                # DRAFT, PUBLISHED, SUPERSEDED, WITHDRAWN
    version: int | None
    duties: str
    hazard_levels: tuple[str, ...]
    area_names: tuple[str, ...]
    area_ids: tuple[str, ...]
    risk_points: tuple[str, ...]          # their codes
    risk_point_codes: dict[str, str]      # id → code, to name the ids a version diff lists
    devices: int
    published_at: datetime | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> DutyList:
        areas, points = data.get("areas") or [], data.get("riskPoints") or []
        return cls(id=str(data["id"]), holder_kind=data.get("holderKind") or "",
                   holder_name=data.get("holderName") or "",
                   holder_id=str(data.get("postId") or data.get("personId") or ""), state=data.get("state") or "",
                   version=data.get("version"), duties=data.get("duties") or "",
                   hazard_levels=tuple(data.get("hazardLevels") or ()),
                   area_names=tuple(a.get("name") or "" for a in areas), area_ids=tuple(str(a["id"]) for a in areas),
                   risk_points=tuple(p["code"] for p in points),
                   risk_point_codes={str(p["id"]): p["code"] for p in points}, devices=len(data.get("deviceIds") or ()),
                   published_at=parse_time(data.get("publishedAt")))


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    kind: str
    parent_id: str | None


@dataclass(frozen=True, slots=True)
class SubjectChange:
    kind: str                 # areas, devices, risk_points, hazard_levels
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListDiff:
    from_version: int | None
    to_version: int | None
    duties_changed: bool
    duties_before: str
    duties_after: str
    changes: tuple[SubjectChange, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ListDiff:
        return cls(from_version=data.get("fromVersion"), to_version=data.get("toVersion"),
                   duties_changed=bool(data.get("dutiesChanged")), duties_before=data.get("dutiesBefore") or "",
                   duties_after=data.get("dutiesAfter") or "",
                   changes=tuple(SubjectChange(kind=c["kind"], added=tuple(c.get("added") or ()),
                                               removed=tuple(c.get("removed") or ()))
                                 for c in data.get("changes") or ()))


class DutiesApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def my_duties(self) -> list[DutyList]:
        return [DutyList.from_api(d) for d in self.client.execute(MY_DUTIES)["myDuties"]]

    def units(self) -> list[Unit]:
        return [Unit(id=str(u["id"]), name=u.get("name") or "", kind=u.get("kind") or "", parent_id=u.get("parentId"))
                for u in self.client.execute(UNITS)["areas"]]

    def lists(self, unit_id: str | None) -> list[DutyList]:
        data = self.client.execute(RESPONSIBILITY_LISTS, {"unitId": unit_id, "history": False})
        return [DutyList.from_api(d) for d in data["responsibilityLists"]]

    def versions(self, holder_kind: str, holder_id: str) -> list[DutyList]:
        data = self.client.execute(LIST_VERSIONS, {"kind": holder_kind, "holderId": holder_id})
        return [DutyList.from_api(d) for d in data["responsibilityListVersions"]]

    def diff(self, from_id: str, to_id: str) -> ListDiff:
        return ListDiff.from_api(self.client.execute(LIST_DIFF, {"fromId": from_id, "toId": to_id})
                                 ["responsibilityListDiff"])
