"""Shared alerts and sensors as the app reads them: typed records, the GraphQL documents, typed calls.

Built against the team contract (alerts, sensors, the `alerts(areaId)` subscription); the app never
imports backend code. Every call blocks: run it off the UI thread.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.alerts import AlertEventKind, AlertSeverity, AlertSource, AlertState, AlertVerdict
from contracts.client import data_of
from mobile.api.client import ApiClient
from mobile.api.models import Area, PersonRef, parse_time

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HazardLink:
    id: str
    state: str


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    source: AlertSource
    source_ref: str
    severity: AlertSeverity
    state: AlertState
    title: str
    detail: str
    area: Area | None
    raise_count: int
    first_raised_at: datetime | None
    last_raised_at: datetime | None
    acknowledged_at: datetime | None = None
    acknowledged_by: PersonRef | None = None
    verdict: AlertVerdict | None = None
    note: str | None = None
    resolved_at: datetime | None = None
    escalation_level: int = 0
    snapshot_url: str | None = None
    hazard: HazardLink | None = None
    escalated_to: tuple[str, ...] = ()          # ids of the people it is escalated to (unacknowledged)
    raised_by: str | None = None                # the person who raised it by hand (None: a sensor, camera, system)

    @property
    def is_open(self) -> bool:
        return self.state is not AlertState.RESOLVED

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Alert:
        hazard = data.get("hazard")
        return cls(
            id=str(data["id"]),
            source=AlertSource(data["source"]),
            source_ref=data.get("sourceRef") or "",
            severity=AlertSeverity(data["severity"]),
            state=AlertState(data["state"]),
            title=data.get("title") or "",
            detail=data.get("detail") or "",
            area=Area.from_api(data["area"]) if data.get("area") else None,
            raise_count=int(data.get("raiseCount") or 1),
            first_raised_at=parse_time(data.get("firstRaisedAt")),
            last_raised_at=parse_time(data.get("lastRaisedAt")),
            acknowledged_at=parse_time(data.get("acknowledgedAt")),
            acknowledged_by=PersonRef.from_api(data.get("acknowledgedBy")),
            verdict=AlertVerdict(data["verdict"]) if data.get("verdict") else None,
            note=data.get("note"),
            resolved_at=parse_time(data.get("resolvedAt")),
            escalation_level=int(data.get("escalationLevel") or 0),
            snapshot_url=data.get("snapshotUrl"),
            hazard=HazardLink(id=str(hazard["id"]), state=hazard.get("state") or "") if hazard else None,
            escalated_to=tuple(str(p["id"]) for p in data.get("escalatedTo") or () if p and p.get("id")),
            raised_by=str(data["raisedBy"]["id"]) if data.get("raisedBy") else None,
        )


@dataclass(frozen=True, slots=True)
class AlertEvent:
    kind: AlertEventKind | str
    alert: Alert | None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> AlertEvent:
        text = data.get("kind") or ""
        kind: AlertEventKind | str = AlertEventKind(text) if text in AlertEventKind.__members__ else text
        return cls(kind=kind, alert=Alert.from_api(data["alert"]) if data.get("alert") else None)


@dataclass(frozen=True, slots=True)
class AlertPage:
    alerts: tuple[Alert, ...]
    has_next_page: bool
    end_cursor: str | None


@dataclass(frozen=True, slots=True)
class AlertCounts:
    """The server's count of the open alerts I may see (the one figure the header and the badge show)."""

    unacknowledged: int
    acknowledged: int

    @property
    def open(self) -> int:
        return self.unacknowledged + self.acknowledged


@dataclass(frozen=True, slots=True)
class Thresholds:
    warning: float | None = None
    alarm: float | None = None
    power_cut: float | None = None
    restore: float | None = None
    low_alarm: float | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any] | None) -> Thresholds:
        data = data or {}

        def num(name: str) -> float | None:
            value = data.get(name)
            return float(value) if isinstance(value, int | float) else None

        return cls(warning=num("warning"), alarm=num("alarm"), power_cut=num("powerCut"),
                   restore=num("restore"), low_alarm=num("lowAlarm"))


@dataclass(frozen=True, slots=True)
class Sensor:
    id: str
    code: str
    kind: str
    unit: str
    area: Area | None
    thresholds: Thresholds
    last_value: float | None
    last_reading_at: datetime | None
    online: bool
    location_type: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Sensor:
        last = data.get("lastValue")
        return cls(id=str(data["id"]), code=data.get("code") or "", kind=str(data.get("kind") or ""),
                   unit=data.get("unit") or "", area=Area.from_api(data["area"]) if data.get("area") else None,
                   thresholds=Thresholds.from_api(data.get("thresholds")),
                   last_value=float(last) if isinstance(last, int | float) else None,
                   last_reading_at=parse_time(data.get("lastReadingAt")), online=bool(data.get("online")),
                   location_type=data.get("locationType"))


@dataclass(frozen=True, slots=True)
class SensorPoint:
    at: datetime
    value: float
    low: float | None = None
    high: float | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> SensorPoint:
        at = parse_time(data.get("at"))
        if at is None:
            raise ValueError("a sensor point without a time")
        low, high = data.get("min"), data.get("max")
        return cls(at=at, value=float(data["value"]), low=None if low is None else float(low),
                   high=None if high is None else float(high))


class ActionOutcome(enum.StrEnum):
    OK = "ok"
    INVALID_TRANSITION = "invalid_transition"   # e.g. already acknowledged by someone else (or by our retry)
    REFUSED = "refused"                          # NotAllowed / NotFound / ValidationFailed


@dataclass(frozen=True, slots=True)
class ActionResult:
    outcome: ActionOutcome
    alert: Alert | None = None
    hazard_id: str | None = None
    typename: str = ""
    message: str = ""

    @classmethod
    def from_union(cls, data: dict[str, Any]) -> ActionResult:
        typename = data.get("__typename", "")
        if typename == "Alert":
            return cls(outcome=ActionOutcome.OK, alert=Alert.from_api(data), typename=typename)
        if typename == "Hazard":
            return cls(outcome=ActionOutcome.OK, hazard_id=str(data["id"]), typename=typename)
        outcome = ActionOutcome.INVALID_TRANSITION if typename == "InvalidTransition" else ActionOutcome.REFUSED
        return cls(outcome=outcome, typename=typename, message=data.get("message") or typename)


# -- the GraphQL documents ---------------------------------------------------------------------

ALERT_FIELDS = """
fragment AlertFields on Alert {
  id source sourceRef severity state title detail raiseCount firstRaisedAt lastRaisedAt
  acknowledgedAt verdict note resolvedAt escalationLevel snapshotUrl
  area { id name }
  acknowledgedBy { id displayName }
  hazard { id state }
  escalatedTo { id }
  raisedBy { id }
}
"""

ALERTS = """
query Alerts($filter: AlertFilterInput, $first: Int!, $after: String, $order: AlertOrder! = NEWEST) {
  alerts(filter: $filter, first: $first, after: $after, order: $order) {
    edges { cursor node { ...AlertFields } }
    pageInfo { hasNextPage endCursor }
  }
}
""" + ALERT_FIELDS

ALERT_COUNTS = """
query AlertCounts($filter: AlertFilterInput) { alertCounts(filter: $filter) { unacknowledged acknowledged } }
"""

ALERT = """
query Alert($id: ID!) { alert(id: $id) { ...AlertFields } }
""" + ALERT_FIELDS

_ALERT_RESULT = """
  __typename
  ... on Alert { ...AlertFields }
  ... on InvalidTransition { message }
  ... on NotAllowed { message }
  ... on NotFound { message }
  ... on ValidationFailed { message }
"""

ACKNOWLEDGE_ALERT = f"""
mutation AcknowledgeAlert($input: AcknowledgeAlertInput!) {{
  acknowledgeAlert(input: $input) {{ {_ALERT_RESULT} }}
}}
""" + ALERT_FIELDS

RESOLVE_ALERT = f"""
mutation ResolveAlert($input: ResolveAlertInput!) {{
  resolveAlert(input: $input) {{ {_ALERT_RESULT} }}
}}
""" + ALERT_FIELDS

OPEN_HAZARD_FROM_ALERT = """
mutation OpenHazardFromAlert($input: OpenHazardFromAlertInput!) {
  openHazardFromAlert(input: $input) {
    __typename
    ... on Hazard { id state }
    ... on InvalidTransition { message }
    ... on NotAllowed { message }
    ... on NotFound { message }
    ... on ValidationFailed { message }
  }
}
"""

RAISE_MANUAL_ALERT = """
mutation RaiseManualAlert($input: RaiseManualAlertInput!) {
  raiseManualAlert(input: $input) {
    __typename
    ... on Alert { ...AlertFields }
    ... on NotAllowed { message }
    ... on ValidationFailed { message }
  }
}
""" + ALERT_FIELDS

ALERT_EVENTS = """
subscription AlertEvents($areaId: ID) {
  alerts(areaId: $areaId) { kind alert { ...AlertFields } }
}
""" + ALERT_FIELDS

SENSORS = """
query Sensors($areaId: ID) {
  sensors(areaId: $areaId) {
    id code kind unit locationType lastValue lastReadingAt online
    area { id name }
    thresholds { warning alarm powerCut restore lowAlarm }
  }
}
"""

SENSOR_SERIES = """
query SensorSeries($sensorId: ID!, $since: DateTime, $maxPoints: Int) {
  sensorSeries(sensorId: $sensorId, since: $since, maxPoints: $maxPoints) { at value min max }
}
"""


def parse_alert_event(payload: dict[str, Any]) -> AlertEvent:
    """A `next` payload of the alerts subscription as a typed event."""
    return AlertEvent.from_api(data_of(payload)["alerts"])


class AlertsApi:
    """Blocking calls of the alerts screens (run them through the controller's runner)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def alerts(self, *, area_id: str | None = None, state: AlertState | None = None, first: int = 50,
               after: str | None = None, open_first: bool = False) -> AlertPage:
        """Alerts I may see, as the server orders them: newest first, or (open_first) the unacknowledged ones
        first, then the acknowledged, then the resolved, each most severe and then latest first."""
        flt: dict[str, Any] = {}
        if area_id:
            flt["areaId"] = area_id
        if state is not None:
            flt["state"] = state.value
        variables = {"filter": flt, "first": first, "after": after, "order": "OPEN_FIRST" if open_first else "NEWEST"}
        data = self.client.execute(ALERTS, variables)["alerts"]
        return AlertPage(alerts=tuple(Alert.from_api(e["node"]) for e in data["edges"]),
                         has_next_page=bool(data["pageInfo"]["hasNextPage"]),
                         end_cursor=data["pageInfo"].get("endCursor"))

    def counts(self, *, area_id: str | None = None) -> AlertCounts:
        """The open alerts I may see (in one area and mine-wide, or all), counted by the server."""
        flt = {"areaId": area_id} if area_id else {}
        data = self.client.execute(ALERT_COUNTS, {"filter": flt})["alertCounts"]
        return AlertCounts(unacknowledged=int(data["unacknowledged"]), acknowledged=int(data["acknowledged"]))

    def alert(self, alert_id: str) -> Alert | None:
        node = self.client.execute(ALERT, {"id": alert_id}).get("alert")
        return Alert.from_api(node) if node else None

    def acknowledge(self, *, alert_id: str, verdict: AlertVerdict, note: str | None = None) -> ActionResult:
        payload: dict[str, Any] = {"alertId": alert_id, "verdict": verdict.value}
        if note:
            payload["note"] = note
        return ActionResult.from_union(self.client.execute(ACKNOWLEDGE_ALERT, {"input": payload})["acknowledgeAlert"])

    def resolve(self, *, alert_id: str, note: str | None = None) -> ActionResult:
        payload: dict[str, Any] = {"alertId": alert_id}
        if note:
            payload["note"] = note
        return ActionResult.from_union(self.client.execute(RESOLVE_ALERT, {"input": payload})["resolveAlert"])

    def open_hazard(self, *, alert_id: str, description: str, suggested_grade: str) -> ActionResult:
        payload = {"alertId": alert_id, "description": description, "suggestedGrade": suggested_grade}
        return ActionResult.from_union(
            self.client.execute(OPEN_HAZARD_FROM_ALERT, {"input": payload})["openHazardFromAlert"])

    def raise_manual(self, *, client_id: str, area_id: str | None, severity: AlertSeverity, title: str,
                     detail: str) -> ActionResult:
        """Raise an alert by hand (called by the outbox): a retry with the same client id returns the first one."""
        payload: dict[str, Any] = {"clientId": client_id, "areaId": area_id, "severity": severity.value,
                                   "title": title, "detail": detail or None}
        return ActionResult.from_union(
            self.client.execute(RAISE_MANUAL_ALERT, {"input": payload})["raiseManualAlert"])

    def sensors(self, *, area_id: str | None) -> list[Sensor]:
        return [Sensor.from_api(s) for s in self.client.execute(SENSORS, {"areaId": area_id})["sensors"]]

    def sensor_series(self, *, sensor_id: str, since: datetime, max_points: int = 120) -> list[SensorPoint]:
        rows = self.client.execute(SENSOR_SERIES, {"sensorId": sensor_id, "since": since.isoformat(),
                                                   "maxPoints": max_points})["sensorSeries"]
        return [SensorPoint.from_api(r) for r in rows]

    def snapshot(self, url: str) -> bytes:
        return self.client.get_bytes(url, max_bytes=8 * 1024 * 1024)
