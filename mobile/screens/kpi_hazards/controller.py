"""The hazards behind one figure (kpiHazards); a tap shows the hazard's traceability timeline."""

from __future__ import annotations

from typing import Any

from mobile.api.models import Hazard
from mobile.screens.dashboard.api import DashboardApi
from mobile.screens.kpi_hazards.model import KpiHazardsModel
from mobile.ui.base import BaseController
from mobile.ui.format import hazard_row


class KpiHazardsController(BaseController):
    model: KpiHazardsModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = DashboardApi(self.ctx.client, language=lambda: self.ctx.tr.language)
        self.params: dict[str, Any] = {}

    def on_enter(self, **params: Any) -> None:
        if params.get("figure"):
            self.params = params
        self.model.title = self.params.get("title") or self.t("kpi_hazards.title")
        self.refresh()

    def refresh(self) -> None:
        p = self.params
        self.call(lambda: self.api.hazards(figure=p["figure"], unit=p.get("unit"), period=p.get("period")), self.show)

    def show(self, hazards: list[Hazard]) -> None:
        self.model.rows = [hazard_row(h, self.ctx.tr, self) for h in hazards]
        self.model.empty_text = "" if hazards else self.t("kpi_hazards.empty")

    def select(self, item_id: str) -> None:
        self.ctx.navigate("trace", hazard_id=item_id)
