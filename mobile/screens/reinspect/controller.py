"""Re-inspection: pass closes the hazard; fail sends it back to rectification and needs a reason."""

from __future__ import annotations

from typing import Any

from mobile.api.models import Hazard, HazardPage, HazardState, MutationResult, Outcome
from mobile.screens.hazard.controller import thumbnail_urls
from mobile.screens.reinspect.model import ReinspectModel
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
        return self.ctx.api.hazards(states=[HazardState.PENDING_REVIEW], first=self.page_size, after=after)

    def _hazard_loaded(self, hazard: Hazard | None) -> None:
        if hazard is None:
            self.model.error = self.t("common.empty")
            return
        self.model.headline = hazard.description
        self.model.thumbs = thumbnail_urls(hazard)
        self.model.facts = "\n".join([
            self.t("hazard.area", name=hazard.area.name if hazard.area else "—"),
            self.t("hazard.responsible", name=hazard.responsible.display_name if hazard.responsible else "—"),
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
