"""The manager's calls (GraphQL over the app's ApiClient; no backend code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contracts.client import union_result
from mobile.api.client import ApiClient
from mobile.api.models import Hazard
from mobile.api.operations import HAZARD_FIELDS

TREND_FIELDS = """period { label asOf } unit { kind id name }
  reported closeOutRate onTimeRate overdue alerts { warningAccuracy } sensorOnlineRate maintenanceCompliance
  courseCompletion examPassRate"""
DASHBOARD = f"""query Dashboard($month: String!, $count: Int!) {{
  kpiTrend(periodKind: MONTH, count: $count) {{ {TREND_FIELDS} }}
  assessmentRanking(month: $month, unitKind: TEAM) {{
    month scores {{ unit {{ id name }} score rank lostOn {{ indicator lost }} }} }}
  overdueByUnit(unitKind: AREA) {{ unit {{ id name }} overdue maxDaysOverdue }}
}}"""
KPI_HAZARDS = """query KpiHazards($figure: KpiFigure!, $unit: UnitInput, $period: PeriodInput, $lang: String) {
  kpiHazards(figure: $figure, unit: $unit, period: $period) { ...HazardFields } }""" + HAZARD_FIELDS


class DashboardApi:
    """Blocking calls; run them through the controller's runner."""

    def __init__(self, client: ApiClient, *, language: Callable[[], str | None] | None = None) -> None:
        self.client = client
        self.language = language or (lambda: None)  # the hazards' category names come in the app's language

    def dashboard(self, *, month: str, count: int = 6) -> dict[str, Any]:
        return self.client.execute(DASHBOARD, {"month": month, "count": count})

    def hazards(self, *, figure: str, unit: dict[str, str] | None, period: dict[str, str] | None) -> list[Hazard]:
        data = self.client.execute(KPI_HAZARDS, {"figure": figure, "unit": unit, "period": period,
                                                 "lang": self.language()})
        return [Hazard.from_api(h) for h in data["kpiHazards"]]


REPORTS = """query Reports { reports(first: 30) { id kind list format label size createdAt trigger downloadUrl } }"""
GENERATE_REPORT = """mutation GenerateReport($input: GenerateReportInput!) { generateReport(input: $input) {
  __typename ... on Report { id label format downloadUrl } ... on NotAllowed { message }
  ... on ValidationFailed { message } } }"""


class ReportsApi:
    def __init__(self, client: ApiClient, *, language: Callable[[], str | None] | None = None) -> None:
        self.client = client
        self.language = language or (lambda: None)  # the hazards' category names come in the app's language

    def reports(self) -> list[dict[str, Any]]:
        return list(self.client.execute(REPORTS)["reports"])

    def generate(self, *, month: str, format: str) -> dict[str, Any]:
        data = self.client.execute(GENERATE_REPORT, {"input": {"month": month, "format": format}})
        return union_result(data, "generateReport", "Report")
