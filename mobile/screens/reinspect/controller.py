"""Re-inspection: pass closes the hazard; fail sends it back to rectification and needs a reason."""

from __future__ import annotations

from typing import Any

from contracts.hazards import HazardState
from mobile.api.models import Hazard, HazardPage, HazardStep, MutationResult, Outcome
from mobile.screens.hazard.controller import photo_strip
from mobile.screens.reinspect.model import ReinspectModel
from mobile.ui.format import local_time
from mobile.ui.hazard_list import HazardListController


class ReinspectController(HazardListController):
    model: ReinspectModel
    open_screen = "reinspect"

    def on_enter(self, **params: Any) -> None:
        self.visible = True
        self.model.error = ""
        self.model.hazard_id = params.get("hazard_id") or ""
        if self.model.hazard_id:
            self.model.notice = ""
            self.call(lambda: self.ctx.api.hazard(self.model.hazard_id), self._hazard_loaded)
        else:
            self.refresh()

    def load(self, after: str | None = None) -> HazardPage:
        """Rectified hazards this person may re-inspect (the server's allowedSteps: not one they rectified)."""
        page = self.ctx.api.hazards(states=[HazardState.PENDING_REVIEW], first=self.page_size, after=after)
        steps = (HazardStep.REINSPECT_PASS, HazardStep.REINSPECT_FAIL)
        return HazardPage(hazards=tuple(h for h in page.hazards if h.may(*steps)),
                          has_next_page=page.has_next_page, end_cursor=page.end_cursor)

    def _hazard_loaded(self, hazard: Hazard | None) -> None:
        if hazard is None:
            self.model.error = self.t("common.empty")
            return
        self.model.headline = hazard.description
        self.model.thumbs, self.model.full_photos, self.model.photo_labels = photo_strip(hazard, self.ctx.tr)
        self.model.facts = "\n".join([
            self.t("hazard.area", name=hazard.area.name if hazard.area else "—")
            + (f" · {hazard.location}" if hazard.location else ""),
            self.t("hazard.reporter", name=hazard.reporter.display_name if hazard.reporter else "—")
            + f" · {local_time(hazard.observed_at or hazard.created_at)}",
            self.t("hazard.responsible", name=hazard.responsible.display_name if hazard.responsible else "—"),
            self.t("reinspect.note", text=hazard.rectification_note or "—"),
            self.t("hazard.photos", n=len(hazard.photos), m=len(hazard.rectification_photos)),
        ])

    def decide(self, *, passed: bool, reason: str) -> None:
        if not passed and not reason.strip():
            self.model.error = self.t("reinspect.reason")
            return
        hazard_id = self.model.hazard_id

        def done(result: MutationResult) -> None:
            if result.outcome is Outcome.OK:
                self.model.notice = self.t("reinspect.passed" if passed else "reinspect.failed")
                self.ctx.navigate("reinspect", hazard_id="")
            else:
                self.model.error = self.t("hazard.refused", message=result.message)

        self.call(lambda: self.ctx.api.reinspect(hazard_id=hazard_id, passed=passed, reason=reason.strip() or None),
                  done)
