"""Report a hazard: validated at once, queued in the outbox at once, sent by the outbox worker.

In a few taps with gloves: a category of the mine (its quick phrases fill the description, which may then
stay empty), several photos in one go (previewed; a tap marks a circle or an arrow on one), the area
preset to the person's own, the time seen attached; after saving, home with what happened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contracts.hazards import HazardGrade
from mobile.api.models import Area, Category
from mobile.outbox.store import InvalidPhoto, ItemKind
from mobile.screens.report.model import ReportModel
from mobile.ui.areas import AREAS_CACHE_KEY, cached_areas, remember_areas
from mobile.ui.base import BaseController

__all__ = ["AREAS_CACHE_KEY", "CATEGORIES_CACHE_KEY", "ReportController"]

CATEGORIES_CACHE_KEY = "cache.hazard_categories"


def cached_categories(store: Any, language: str) -> list[Category]:
    rows = store.get(f"{CATEGORIES_CACHE_KEY}.{language}", [])
    return [Category.from_api(row) for row in rows if isinstance(row, dict) and row.get("id")]


class ReportController(BaseController):
    model: ReportModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.areas: list[Area] = []
        self.categories: list[Category] = []

    def on_enter(self, **params: Any) -> None:
        self.model.error = ""
        self._show_photos()
        self._set_areas(cached_areas(self.ctx.store))
        self.call(self.ctx.api.areas, self._areas_loaded, self._areas_failed)
        self._set_categories(cached_categories(self.ctx.store, self.ctx.tr.language))
        self.ctx.runner.submit(self.ctx.api.categories, self._categories_loaded, lambda _error: None)

    # -- areas and categories (cached for use out of coverage) ---------------------------

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

    def _set_categories(self, categories: list[Category]) -> None:
        self.categories = categories
        self.model.categories = [{"action": c.id, "text": c.name} for c in categories]
        if self.model.category_id and not any(c.id == self.model.category_id for c in categories):
            self.choose_category("")

    def _categories_loaded(self, categories: list[Category]) -> None:
        self.ctx.store.set(f"{CATEGORIES_CACHE_KEY}.{self.ctx.tr.language}", [c.to_cache() for c in categories])
        self._set_categories(categories)

    @property
    def category(self) -> Category | None:
        return next((c for c in self.categories if c.id == self.model.category_id), None)

    def choose_category(self, category_id: str) -> None:
        """Tap a category (again to clear it); its phrases are offered and its suggested grade preset."""
        if category_id == self.model.category_id:
            category_id = ""
        self.model.category_id = category_id
        category = self.category
        self.model.category_name = category.name if category else ""
        self.model.phrases = [{"action": p, "text": p} for p in category.phrases] if category else []
        if category is not None and category.suggested_grade is not None:
            self.model.grade = category.suggested_grade.value

    # -- photos ------------------------------------------------------------------------

    def add_photo(self, path: str) -> None:
        self.add_photos([path])

    def add_photos(self, paths: list[str]) -> None:
        """Several photos in one go (the chooser's selection, or the camera's shots)."""
        good = [p for p in paths if Path(p).is_file()]
        if len(good) != len(paths):
            self.model.error = self.t("error.generic", detail=", ".join(p for p in paths if p not in good))
        known = set(self.model.photos)
        self.model.photos = [*self.model.photos, *(p for p in good if p not in known)]
        self._show_photos()

    def replace_photo(self, index: int, path: str) -> None:
        """A marked-up copy takes the place of the photo it was drawn on."""
        photos = list(self.model.photos)
        if 0 <= index < len(photos) and Path(path).is_file():
            photos[index] = path
            self.model.photos = photos
            self._show_photos()

    def clear_photos(self) -> None:
        self.model.photos = []
        self._show_photos()

    def _show_photos(self) -> None:
        n = len(self.model.photos)
        self.model.photos_text = self.t("report.photos", n=n) if n else self.t("report.no_photos")

    def set_grade(self, grade: str) -> None:
        self.model.grade = HazardGrade(grade).value

    # -- sending -----------------------------------------------------------------------

    def submit(self, *, area_name: str, description: str, location: str) -> bool:
        """Validate and queue; True when the report is in the outbox (then home says so)."""
        user = self.ctx.sessions.user
        if user is None:
            self.ctx.navigate("login")
            return False
        area = next((a for a in self.areas if a.name == area_name), None)
        category = self.category
        if not self.model.photos:
            self.model.error = self.t("report.need_photo")
            return False
        if area is None:
            self.model.error = self.t("report.need_area")
            return False
        text = description.strip()
        if not text and category is None:
            self.model.error = self.t("report.need_description")
            return False
        payload: dict[str, Any] = {"areaId": area.id, "description": text, "location": location.strip(),
                                   "suggestedGrade": self.model.grade,
                                   "observedAt": datetime.now(UTC).isoformat()}
        if category is not None:
            payload["categoryId"] = category.id
        summary = text or (category.name if category else "")
        try:
            self.ctx.outbox.add(kind=ItemKind.REPORT_HAZARD, owner_id=user.id,
                                title=f"{area.name}: {summary[:60]}", payload=payload,
                                photos=[Path(p) for p in self.model.photos])
        except InvalidPhoto as error:
            self.model.error = self.t("error.generic", detail=str(error))
            return False
        if self.ctx.worker is not None:
            self.ctx.worker.wake()
        count = len(self.model.photos)
        self.model.error = ""
        self.model.photos = []
        self.choose_category("") if self.model.category_id else None
        self._show_photos()
        self.ctx.navigate("home", reset=True, notice=self.t("report.sent_home", n=count, area=area.name))
        return True
