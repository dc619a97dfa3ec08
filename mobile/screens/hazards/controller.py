"""Every hazard of my mine, filtered and searched by the server: state, grade, area, overdue, words."""

from __future__ import annotations

from typing import Any

from contracts.hazards import HazardGrade, HazardState
from mobile.api.models import Area, HazardPage
from mobile.ui.areas import cached_areas, remember_areas
from mobile.ui.hazard_list import HazardListController

ANY = ""


class HazardsController(HazardListController):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.areas: list[Area] = []

    def on_enter(self, **params: Any) -> None:
        self.model.state_names = [self.t("hazards.filter_state"), *(self.t(f"state.{s.value}") for s in HazardState)]
        self.model.grade_names = [self.t("hazards.filter_grade"), *(self.t(f"grade.{g.value}") for g in HazardGrade)]
        self._set_areas(cached_areas(self.ctx.store))
        self.ctx.runner.submit(self.ctx.api.areas, self._areas_loaded, lambda _error: None)
        super().on_enter(**params)

    def _set_areas(self, areas: list[Area]) -> None:
        self.areas = areas
        self.model.area_names = [self.t("hazards.filter_area"), *(a.name for a in areas)]

    def _areas_loaded(self, areas: list[Area]) -> None:
        remember_areas(self.ctx.store, areas)
        self._set_areas(areas)

    def set_filters(self, *, state: str = ANY, grade: str = ANY, area: str = ANY, overdue: bool = False,
                    text: str = "") -> None:
        """From the filter bar's labels (translated) to the server's filter; then reload."""
        states = {self.t(f"state.{s.value}"): s for s in HazardState}
        grades = {self.t(f"grade.{g.value}"): g for g in HazardGrade}
        self.model.filter_state = states[state].value if state in states else ANY
        self.model.filter_grade = grades[grade].value if grade in grades else ANY
        self.model.filter_area = next((a.id for a in self.areas if a.name == area), ANY)
        self.model.filter_overdue = overdue
        self.model.filter_text = text.strip()
        self.refresh()

    def load(self, after: str | None = None) -> HazardPage:
        m = self.model
        return self.ctx.api.hazards(
            first=self.page_size, after=after, states=[HazardState(m.filter_state)] if m.filter_state else None,
            grade=HazardGrade(m.filter_grade) if m.filter_grade else None, area_id=m.filter_area or None,
            overdue=True if m.filter_overdue else None, text=m.filter_text or None)
