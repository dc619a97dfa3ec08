"""A risk point: its level (and why it is raised), sources, latest assessment, measures, open hazards, people."""

from __future__ import annotations

from typing import Any

from mobile.api.risks import PointDetail, RisksApi
from mobile.screens.risk_point.logic import level_text, sections
from mobile.screens.risk_point.model import RiskPointModel
from mobile.ui.base import BaseController


class RiskPointController(BaseController):
    model: RiskPointModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = RisksApi(self.ctx.client)
        self.point_id = ""

    def on_enter(self, **params: Any) -> None:
        self.point_id = params.get("point_id") or self.point_id
        self.reload()

    def reload(self) -> None:
        if self.point_id:
            point_id = self.point_id
            self.call(lambda: self.api.risk_point(point_id), self.show)

    def show(self, point: PointDetail | None) -> None:
        if point is None:
            self.model.error = self.t("risk_point.missing")
            return
        self.model.title = f"{point.summary.code} · {point.summary.name}"
        self.model.level = point.summary.shown_level or ""
        self.model.level_text = level_text(point, self.t)
        self.model.sections = sections(point, self.t)
