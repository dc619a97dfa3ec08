"""Reassign: pick the new responsible person from the mine's people, give a reason, send (never twice)."""

from __future__ import annotations

from typing import Any

from mobile.api.models import Hazard, PersonRef
from mobile.screens.reassign.logic import Reassigned, reassign_once
from mobile.screens.reassign.model import ReassignModel
from mobile.ui.base import BaseController


class ReassignController(BaseController):
    model: ReassignModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hazard: Hazard | None = None
        self.people: list[PersonRef] = []
        self.draft: tuple[str | None, str] | None = None     # (who, which hazard) the form's draft belongs to

    def on_enter(self, **params: Any) -> None:
        hazard_id = params.get("hazard_id") or self.model.hazard_id
        user = self.ctx.sessions.user
        draft = (user.id if user else None, hazard_id)
        if draft != self.draft:                 # another hazard, or another person signed in: a fresh form
            self.draft = draft
            self.model.responsible = self.model.reason = ""
        self.model.hazard_id = hazard_id
        self.model.notice = ""
        self.call(lambda: (self.ctx.api.hazard(hazard_id), self.ctx.api.people()), self._loaded)

    def _loaded(self, loaded: tuple[Hazard | None, list[PersonRef]]) -> None:
        hazard, people = loaded
        if hazard is None:
            self.model.error = self.t("common.empty")
            return
        self.hazard = hazard
        current = hazard.responsible.id if hazard.responsible else None
        self.people = [p for p in people if p.id != current]
        self.model.people = [p.display_name for p in self.people]
        if self.model.responsible not in self.model.people:
            self.model.responsible = ""
        self.model.headline = f"{hazard.description} · {hazard.area.name if hazard.area else ''}"
        self.model.current = self.t("reassign.current", name=hazard.responsible.display_name
                                    if hazard.responsible else "—", state=self.t(f"state.{hazard.state.value}"))

    def submit(self, *, responsible_name: str, reason: str) -> bool:
        """Validate and send; True when the request went out (the result arrives on the UI thread)."""
        if self.model.busy or self.hazard is None:
            return False            # one request at a time: a second tap while the first is on its way does nothing
        person = next((p for p in self.people if p.display_name == responsible_name), None)
        if person is None:
            self.model.error = self.t("triage.need_responsible")
            return False
        if not reason.strip():
            self.model.error = self.t("reassign.need_reason")
            return False
        hazard_id, text = self.hazard.id, reason.strip()

        def done(result: Reassigned) -> None:
            if result.ok:
                self.model.responsible = self.model.reason = ""
                shown = {"notice": self.t("reassign.done", name=person.display_name), "hazard": result.hazard}
                if self.ctx.back is not None:
                    self.ctx.back(**shown)
                else:
                    self.ctx.navigate("hazard", hazard_id=hazard_id, **shown)
            else:
                self.model.error = self.t("hazard.refused", message=result.message)

        self.call(lambda: reassign_once(self.ctx.api, hazard_id=hazard_id, person_id=person.id, reason=text), done)
        return True
