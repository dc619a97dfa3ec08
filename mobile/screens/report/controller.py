"""Report a hazard: validated at once, queued in the outbox at once, sent by the outbox worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mobile.api.models import Area, HazardGrade
from mobile.outbox.store import InvalidPhoto, ItemKind
from mobile.screens.report.model import ReportModel
from mobile.ui.areas import AREAS_CACHE_KEY, cached_areas, remember_areas
from mobile.ui.base import BaseController

__all__ = ["AREAS_CACHE_KEY", "ReportController"]


class ReportController(BaseController):
    model: ReportModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.areas: list[Area] = []

    def on_enter(self, **params: Any) -> None:
        self.model.error = ""
        self._show_photos()
        self._set_areas(cached_areas(self.ctx.store))
        self.call(self.ctx.api.areas, self._areas_loaded, self._areas_failed)

    def _set_areas(self, areas: list[Area]) -> None:
        self.areas = areas
        self.model.area_names = [a.name for a in areas]
        if self.model.area_name not in self.model.area_names:
            user = self.ctx.sessions.user
            mine = next((a for a in areas if user and a.id == user.area_id), None)
            self.model.area_name = mine.name if mine else ""

    def _areas_loaded(self, areas: list[Area]) -> None:
        remember_areas(self.ctx.store, areas)
        self._set_areas(areas)

    def _areas_failed(self, error: Exception) -> None:
        self.model.notice = self.t("report.areas_offline") if self.areas else ""
        if not self.areas:
            self.model.error = self.describe(error)

    def add_photo(self, path: str) -> None:
        if not Path(path).is_file():
            self.model.error = self.t("error.generic", detail=path)
            return
        self.model.photos = [*self.model.photos, path]
        self._show_photos()

    def clear_photos(self) -> None:
        self.model.photos = []
        self._show_photos()

    def _show_photos(self) -> None:
        n = len(self.model.photos)
        self.model.photos_text = self.t("report.photos", n=n) if n else self.t("report.no_photos")

    def set_grade(self, grade: str) -> None:
        self.model.grade = HazardGrade(grade).value

    def submit(self, *, area_name: str, description: str, location: str) -> bool:
        """Validate and queue; True when the report is in the outbox."""
        user = self.ctx.sessions.user
        if user is None:
            self.ctx.navigate("login")
            return False
        area = next((a for a in self.areas if a.name == area_name), None)
        if not self.model.photos:
            self.model.error = self.t("report.need_photo")
            return False
        if area is None:
            self.model.error = self.t("report.need_area")
            return False
        if not description.strip():
            self.model.error = self.t("report.need_description")
            return False
        try:
            self.ctx.outbox.add(
                kind=ItemKind.REPORT_HAZARD, owner_id=user.id,
                title=f"{area.name}: {description.strip()[:60]}",
                payload={"areaId": area.id, "description": description.strip(), "location": location.strip(),
                         "suggestedGrade": self.model.grade},
                photos=[Path(p) for p in self.model.photos])
        except InvalidPhoto as error:
            self.model.error = self.t("error.generic", detail=str(error))
            return False
        if self.ctx.worker is not None:
            self.ctx.worker.wake()
        self.model.error = ""
        self.model.photos = []
        self._show_photos()
        self.model.notice = self.t("report.queued")
        self.ctx.navigate("outbox")
        return True
