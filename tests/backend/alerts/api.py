"""GraphQL operations and helpers the alerts tests share."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from backend.alerts import flows
from backend.alerts.models import Alert
from backend.database.unit_of_work import commit_and_publish
from backend.platform import Platform
from contracts.alerts import AlertSeverity, AlertSource
from tests.conftest import gql

ALERT_FIELDS = """id source sourceRef severity state title detail area { id name } raiseCount firstRaisedAt
  lastRaisedAt acknowledgedAt acknowledgedBy { id displayName } verdict note resolvedAt escalationLevel snapshotUrl
  hazard { id state }"""
RESULT_FIELDS = ("__typename ... on Alert { " + ALERT_FIELDS + " } ... on InvalidTransition { message currentState }"
                 " ... on NotAllowed { message } ... on NotFound { message } ... on ValidationFailed { message field }")
ACKNOWLEDGE = "mutation($input: AcknowledgeAlertInput!) { acknowledgeAlert(input: $input) { " + RESULT_FIELDS + " } }"
RESOLVE = "mutation($input: ResolveAlertInput!) { resolveAlert(input: $input) { " + RESULT_FIELDS + " } }"
RAISE_MANUAL = ("mutation($input: RaiseManualAlertInput!) { raiseManualAlert(input: $input) { __typename "
                "... on Alert { " + ALERT_FIELDS + " } ... on NotAllowed { message } "
                "... on ValidationFailed { message field } } }")
OPEN_HAZARD = ("mutation($input: OpenHazardFromAlertInput!) { openHazardFromAlert(input: $input) { __typename "
               "... on Hazard { id state source sourceRef description area { id } } "
               "... on InvalidTransition { message } ... on NotAllowed { message } ... on NotFound { message } "
               "... on ValidationFailed { message field } } }")
ALERTS = ("query($filter: AlertFilterInput, $first: Int, $after: String) { alerts(filter: $filter, first: $first, "
          "after: $after) { edges { cursor node { " + ALERT_FIELDS + " } } pageInfo { hasNextPage endCursor } } }")
ALERT = "query($id: ID!) { alert(id: $id) { " + ALERT_FIELDS + " } }"
ALERT_KPIS = """query($area: ID) { alertKpis(areaId: $area) {
  overall { raised confirmed falseAlarms unjudged warningAccuracy }
  bySource { source raised confirmed falseAlarms warningAccuracy } } }"""


async def raise_sensor_alert(platform: Platform, mine_id: uuid.UUID, area_id: uuid.UUID | None, *,
                             key: str | None = None, severity: AlertSeverity = AlertSeverity.ALARM,
                             snapshot_key: str | None = None, source: AlertSource = AlertSource.SENSOR) -> Alert:
    """Raise (and commit) an alert through the flow, as the sensors and vision domains do."""
    async with platform.session_factory() as session:
        raised = await flows.raise_alert(
            session, actor=None, mine_id=mine_id, source=source, source_ref="CH4-01", severity=severity,
            area_id=area_id, title="CH4 above the alarm threshold", detail="1.12 % at T1",
            dedupe_key=key or f"sensor:{uuid.uuid4()}", snapshot_key=snapshot_key)
        await commit_and_publish(session, platform.publisher)
        return raised.alert


async def raise_manual(http: httpx.AsyncClient, token: str, *, area_id: uuid.UUID | None, severity: str = "ALARM",
                       title: str = "Smell of smoke near the belt", detail: str | None = "at 120 m",
                       client_id: str | None = None) -> dict[str, Any]:
    variables = {"input": {"clientId": client_id or str(uuid.uuid4()), "areaId": str(area_id) if area_id else None,
                           "severity": severity, "title": title, "detail": detail}}
    return (await gql(http, RAISE_MANUAL, variables, token=token))["raiseManualAlert"]
