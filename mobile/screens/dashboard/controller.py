"""The manager's dashboard: this month's KPIs with six months of trend, last month's team ranking, overdue by area."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mobile.api.models import parse_time
from mobile.screens.dashboard import logic
from mobile.screens.dashboard.api import DashboardApi
from mobile.screens.dashboard.model import DashboardModel
from mobile.ui.base import BaseController
from mobile.ui.format import local_time

TREND_MONTHS = 6


class DashboardController(BaseController):
    model: DashboardModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = DashboardApi(self.ctx.client, language=lambda: self.ctx.tr.language)

    def on_enter(self, **params: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        month = logic.previous_month(datetime.now().astimezone())
        self.call(lambda: self.api.dashboard(month=month, count=TREND_MONTHS), self.show)

    def show(self, data: dict[str, Any]) -> None:
        trend = data.get("kpiTrend") or []
        last = trend[-1] if trend else None
        if last is not None:
            as_of = parse_time(last["period"]["asOf"])
            self.model.month = last["period"]["label"]
            self.model.unit_kind, self.model.unit_id = last["unit"]["kind"], last["unit"]["id"]
            self.model.scope = self.t("dashboard.scope", unit=last["unit"]["name"], month=self.model.month,
                                      at=local_time(as_of) if as_of else "")
        self.model.tiles = [{**tile, "label": self.t(f"dashboard.tile.{tile['code']}")} for tile in logic.tiles(trend)]
        ranking = data.get("assessmentRanking")
        self.model.ranked_month = ranking["month"] if ranking else logic.previous_month(datetime.now().astimezone())
        self.model.ranking_title = self.t("dashboard.ranking", month=self.model.ranked_month)
        self.model.ranking = [{
            **row,
            "line1": self.t("dashboard.rank_line", rank=row["rank"] or "—", name=row["name"], score=row["score"]),
            "line2": "  ".join(self.t("dashboard.lost", name=self.t(f"indicator.{code}"), points=f"{lost:.1f}")
                               for code, lost in row["lost"]) or self.t("dashboard.full_marks"),
        } for row in logic.ranking_rows(ranking)]
        self.model.overdue = [{"unit_id": r["unit"]["id"], "name": r["unit"]["name"],
                               "line1": self.t("dashboard.overdue_line", name=r["unit"]["name"], n=r["overdue"]),
                               "line2": self.t("dashboard.overdue_days", days=f"{r['maxDaysOverdue']:.1f}")}
                              for r in data.get("overdueByUnit") or [] if r.get("unit")]
        self.model.notice = ""

    # -- drill-down --------------------------------------------------------------------------------
    def _unit(self) -> dict[str, str] | None:
        if self.model.unit_kind == "MINE" or not self.model.unit_id:
            return None
        return {"kind": self.model.unit_kind, "id": self.model.unit_id}

    def open_tile(self, code: str) -> None:
        tile = next((t for t in self.model.tiles if t["code"] == code), None)
        if tile is None:
            return
        if tile["figure"] is None:
            self.model.notice = self.t("dashboard.not_hazards", name=self.t(f"dashboard.tile.{code}"))
            return
        self.ctx.navigate("kpi_hazards", figure=tile["figure"], unit=self._unit(),
                          period={"kind": "MONTH"}, title=self.t(f"dashboard.drill.{tile['figure']}"))

    def open_team(self, unit_id: str, name: str) -> None:
        self.ctx.navigate("kpi_hazards", figure="REPORTED", unit={"kind": "TEAM", "id": unit_id},
                          period={"kind": "MONTH", "anchor": f"{self.model.ranked_month}-15T04:00:00Z"},
                          title=self.t("dashboard.drill.team", name=name, month=self.model.ranked_month))

    def open_area(self, unit_id: str, name: str) -> None:
        self.ctx.navigate("kpi_hazards", figure="OVERDUE", unit={"kind": "AREA", "id": unit_id}, period=None,
                          title=self.t("dashboard.drill.area", name=name))
