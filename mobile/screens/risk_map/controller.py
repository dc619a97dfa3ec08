"""The four-colour map (四色图): the mine's areas coloured by their highest current risk; tap one for its points."""

from __future__ import annotations

from typing import Any

from mobile.api.risks import LEVELS, MapArea, PointSummary, RisksApi
from mobile.screens.risk_map.logic import boxes, counts
from mobile.screens.risk_map.model import RiskMapModel
from mobile.ui.base import BaseController


class RiskMapController(BaseController):
    model: RiskMapModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = RisksApi(self.ctx.client)
        self.areas: list[MapArea] = []

    def on_enter(self, **params: Any) -> None:
        self.reload()

    def reload(self) -> None:
        self.call(self.api.risk_map, self.show)

    def show(self, areas: list[MapArea]) -> None:
        self.areas = areas
        self.model.boxes = boxes(areas)
        found = counts(areas)
        self.model.legend = "   ".join(f"{self.t(f'risk.level.{level}')} {found.get(level, 0)}"
                                       for level in reversed(LEVELS))
        if self.model.selected:
            self.select_area(self.model.selected)

    def select_area(self, area_id: str) -> None:
        area = next((a for a in self.areas if a.id == area_id), None)
        if area is None:
            return
        self.model.selected = area_id
        level = self.t(f"risk.level.{area.level}") if area.level else self.t("risk.level.NONE")
        self.model.area_title = self.t("risk_map.area", name=area.name, level=level, n=area.points)
        self.call(lambda: self.api.area_points(area_id), self.show_points)

    def show_points(self, points: list[PointSummary]) -> None:
        self.model.points = [{"item_id": p.id, "title": f"{p.code} · {p.name}",
                              "line2": self.point_line(p)} for p in points]

    def point_line(self, p: PointSummary) -> str:
        shown = self.t(f"risk.level.{p.shown_level}") if p.shown_level else self.t("risk.level.NONE")
        if p.raised and p.level:
            causes = self.t("risk.list_sep").join(self.t(f"risk.cause.{c}") for c in p.causes)
            return self.t("risk.raised_line", shown=shown, base=self.t(f"risk.level.{p.level}"), causes=causes)
        return shown

    def open_point(self, point_id: str) -> None:
        self.ctx.navigate("risk_point", point_id=point_id)
