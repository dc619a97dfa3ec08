"""Risk pre-control as the app reads it: the four-colour map, a risk point's drill-down, my inspection checklists
and their submission. Typed records, the GraphQL documents, typed calls; every call blocks (run it off the UI
thread). The app never imports backend code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mobile.api.client import ApiClient
from mobile.api.models import parse_time

LEVELS = ("BLUE", "YELLOW", "ORANGE", "RED")
RISK_MAP = """
query RiskMap { riskMap { areas { area { id name code kind parentId mapX mapY } level pointCount raisedCount } } }"""
AREA_POINTS = """
query AreaRiskPoints($areaId: ID) {
  riskPoints(areaId: $areaId) { id code name level shownLevel raised raisedCauses reviewState }
}"""
RISK_POINT = """
query RiskPointDetail($id: ID!) {
  riskPoint(id: $id) {
    id code name description subjectKind activity level score shownLevel raised raisedCauses reviewState
    nextReviewDue requiredControlLevel area { id name }
    hazardSources { category description }
    assessments { version method reason score level band assessorName assessedAt }
    measures { id kind text controlLevel checkFrequency fitsLevel responsiblePost { name } holders { displayName } }
    openHazards { id state description }
    responsible { person { id displayName } via postName listVersion }
  }
}"""
MY_INSPECTIONS = """
query MyInspections {
  myInspections {
    id title dueAt state isOverdue area { id name }
    items { id position text result riskPoint { id code name shownLevel } }
  }
}"""
SUBMIT_INSPECTION = """
mutation SubmitInspection($input: SubmitInspectionInput!) {
  submitInspection(input: $input) {
    __typename
    ... on InspectionCheck { id state failedItems items { id result hazardId } }
    ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }
    ... on InvalidTransition { message currentState }
  }
}"""


@dataclass(frozen=True, slots=True)
class MapArea:
    id: str
    name: str
    code: str
    kind: str
    parent_id: str | None
    x: float | None
    y: float | None
    level: str | None          # BLUE … RED; None: no assessed risk point
    points: int
    raised: int

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> MapArea:
        area = data["area"]
        return cls(id=str(area["id"]), name=area.get("name") or "", code=area.get("code") or "",
                   kind=area.get("kind") or "", parent_id=area.get("parentId"), x=area.get("mapX"),
                   y=area.get("mapY"), level=data.get("level"), points=int(data.get("pointCount") or 0),
                   raised=int(data.get("raisedCount") or 0))


@dataclass(frozen=True, slots=True)
class PointSummary:
    id: str
    code: str
    name: str
    level: str | None
    shown_level: str | None
    raised: bool
    causes: tuple[str, ...]
    review_state: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> PointSummary:
        return cls(id=str(data["id"]), code=data.get("code") or "", name=data.get("name") or "",
                   level=data.get("level"), shown_level=data.get("shownLevel"), raised=bool(data.get("raised")),
                   causes=tuple(data.get("raisedCauses") or ()), review_state=data.get("reviewState") or "OK")


@dataclass(frozen=True, slots=True)
class Measure:
    kind: str
    text: str
    control_level: str
    frequency: str
    fits: bool
    post: str
    holders: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PointDetail:
    summary: PointSummary
    description: str
    area_name: str
    score: float | None
    required_control: str | None
    next_review_due: datetime | None
    sources: tuple[tuple[str, str], ...]
    latest: dict[str, Any] | None
    measures: tuple[Measure, ...]
    open_hazards: tuple[tuple[str, str, str], ...]      # (id, state, description)
    responsible: tuple[tuple[str, str, str], ...]       # (name, via, post name)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> PointDetail:
        assessments = data.get("assessments") or []
        return cls(
            summary=PointSummary.from_api(data), description=data.get("description") or "",
            area_name=(data.get("area") or {}).get("name") or "", score=data.get("score"),
            required_control=data.get("requiredControlLevel"), next_review_due=parse_time(data.get("nextReviewDue")),
            sources=tuple((s["category"], s.get("description") or "") for s in data.get("hazardSources") or ()),
            latest=assessments[0] if assessments else None,
            measures=tuple(Measure(kind=m["kind"], text=m.get("text") or "", control_level=m["controlLevel"],
                                   frequency=m["checkFrequency"], fits=bool(m.get("fitsLevel")),
                                   post=(m.get("responsiblePost") or {}).get("name") or "",
                                   holders=tuple(h["displayName"] for h in m.get("holders") or ()))
                           for m in data.get("measures") or ()),
            open_hazards=tuple((str(h["id"]), h.get("state") or "", h.get("description") or "")
                               for h in data.get("openHazards") or ()),
            responsible=tuple((r["person"]["displayName"], r.get("via") or "", r.get("postName") or "")
                              for r in data.get("responsible") or ()))


@dataclass(frozen=True, slots=True)
class CheckItem:
    id: str
    position: int
    text: str
    result: str | None
    point_code: str
    point_name: str
    point_level: str | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> CheckItem:
        point = data.get("riskPoint") or {}
        return cls(id=str(data["id"]), position=int(data.get("position") or 0), text=data.get("text") or "",
                   result=data.get("result"), point_code=point.get("code") or "", point_name=point.get("name") or "",
                   point_level=point.get("shownLevel"))


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    due_at: datetime | None
    state: str
    overdue: bool
    area_name: str
    items: tuple[CheckItem, ...]

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Check:
        return cls(id=str(data["id"]), title=data.get("title") or "", due_at=parse_time(data.get("dueAt")),
                   state=data.get("state") or "", overdue=bool(data.get("isOverdue")),
                   area_name=(data.get("area") or {}).get("name") or "",
                   items=tuple(CheckItem.from_api(i) for i in data.get("items") or ()))


@dataclass(frozen=True, slots=True)
class SubmitResult:
    ok: bool
    typename: str
    message: str = ""
    check_id: str | None = None
    failed_items: int = 0


class RisksApi:
    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def risk_map(self) -> list[MapArea]:
        return [MapArea.from_api(a) for a in self.client.execute(RISK_MAP)["riskMap"]["areas"]]

    def area_points(self, area_id: str) -> list[PointSummary]:
        return [PointSummary.from_api(p) for p in self.client.execute(AREA_POINTS, {"areaId": area_id})["riskPoints"]]

    def risk_point(self, point_id: str) -> PointDetail | None:
        data = self.client.execute(RISK_POINT, {"id": point_id})["riskPoint"]
        return PointDetail.from_api(data) if data else None

    def my_inspections(self) -> list[Check]:
        return [Check.from_api(c) for c in self.client.execute(MY_INSPECTIONS)["myInspections"]]

    def submit_inspection(self, *, check_id: str, client_id: str, results: list[dict[str, Any]]) -> SubmitResult:
        """Results: [{"itemId", "passed", "note", "photoKeys"}]; the client id makes a retry safe."""
        data = self.client.execute(SUBMIT_INSPECTION, {"input": {"checkId": check_id, "clientId": client_id,
                                                                 "results": results}})["submitInspection"]
        typename = data.get("__typename", "")
        if typename == "InspectionCheck":
            return SubmitResult(ok=True, typename=typename, check_id=str(data["id"]),
                                failed_items=int(data.get("failedItems") or 0))
        return SubmitResult(ok=False, typename=typename, message=data.get("message") or typename)
