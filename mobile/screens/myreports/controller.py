"""The signed-in person's own reports, newest first; a live event about one of them says what moved."""

from __future__ import annotations

from typing import Any

from contracts.client import Unauthenticated
from mobile.api.models import Hazard, HazardEvent, HazardPage
from mobile.i18n import Translator
from mobile.ui.format import deadline_text
from mobile.ui.hazard_list import HazardListController


def report_row(hazard: Hazard, tr: Translator, controller: Any) -> dict[str, Any]:
    """State, who has it, deadline and whether the closing photo is in."""
    holder = hazard.responsible.display_name if hazard.responsible else "—"
    line3 = deadline_text(hazard, tr)
    if hazard.rectification_photos:
        line3 += f" · {tr('myreports.closing_photo')} ✓"
    return {"item_id": hazard.id, "controller": controller,
            "line1": hazard.description or hazard.category or "—",
            "line2": f"{tr(f'state.{hazard.state.value}')} · {tr('myreports.holder', name=holder)}",
            "line3": line3, "alert": hazard.is_overdue}


def moved_notice(event: HazardEvent, user: Any, tr: Translator) -> str:
    """What to tell the reporter when one of their reports moved (empty: not theirs, or its own report's echo)."""
    hazard = event.hazard
    if hazard is None or user is None or hazard.reporter is None or hazard.reporter.id != user.id:
        return ""
    if event.kind == "REPORTED":
        return ""
    return tr("myreports.moved", what=(hazard.description or hazard.category)[:40],
              state=tr(f"state.{hazard.state.value}"))


class MyReportsController(HazardListController):
    def load(self, after: str | None = None) -> HazardPage:
        if self.ctx.sessions.user is None:
            raise Unauthenticated("not signed in")
        return self.ctx.api.hazards(reported_by_me=True, first=self.page_size, after=after)

    def _loaded(self, page: HazardPage, *, append: bool = False) -> None:
        super()._loaded(page, append=append)
        self.model.rows = [report_row(h, self.ctx.tr, self) for h in self.hazards]

    def on_hazard_event(self, event: HazardEvent) -> None:
        hazard = event.hazard
        user = self.ctx.sessions.user
        mine = hazard is not None and user is not None and hazard.reporter is not None and hazard.reporter.id == user.id
        if mine and hazard is not None:
            known = next((h for h in self.hazards if h.id == hazard.id), None)
            if known is None or known.state is not hazard.state or known.responsible != hazard.responsible:
                self.model.notice = self.t("myreports.moved", what=hazard.description[:40],
                                           state=self.t(f"state.{hazard.state.value}"))
        super().on_hazard_event(event)
