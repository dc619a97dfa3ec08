"""One permit: load it, show the guardian's view, take the steps the server allows."""

from __future__ import annotations

from typing import Any

from contracts.client import Refused
from mobile.api.permits import Permit, PermitsApi
from mobile.screens.permit.model import PermitModel
from mobile.screens.permits.logic import GAS_MAX_AGE_S, actions, facts, gas_text, reasons_text, state_text
from mobile.ui.base import BaseController


class PermitController(BaseController):
    model: PermitModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = PermitsApi(self.ctx.client, lambda: self.ctx.tr.language)

    def on_enter(self, **params: Any) -> None:
        if params.get("permit_id"):
            self.model.permit_id = params["permit_id"]
        self.model.notice = ""
        self.reload()

    def reload(self) -> None:
        if self.model.permit_id:
            self.call(lambda: self.api.permit(self.model.permit_id), self.show)

    def show(self, permit: Permit | None) -> None:
        if permit is None:
            self.model.error = self.t("common.empty")
            return
        user = self.ctx.sessions.user
        roles = {r.value for r in user.roles} if user else set()
        self.model.title = f"{permit.kind_name} · {self.t(f'permits.grade.{permit.grade}')}"
        self.model.state, self.model.state_text = permit.state, state_text(permit, self.t)
        self.model.stopped = permit.state == "SUSPENDED"
        self.model.gas_text = gas_text(permit, self.t)
        self.model.gas_stale = permit.gas_test is None or permit.gas_test.age_seconds > GAS_MAX_AGE_S or \
            not permit.gas_test.passed
        self.model.facts = facts(permit, self.t)
        self.model.reasons = reasons_text(permit, self.t)
        self.model.description = permit.description
        self.model.actions = actions(permit, roles, self.t)

    def take(self, step: str, role: str = "", reason: str = "") -> None:
        """Approve (as a role), start, resume or stop; a refusal says why in the person's language."""
        permit_id = self.model.permit_id
        if step == "suspend" and not reason.strip():
            self.model.error = self.t("permits.need_reason")
            return
        work = {"approve": lambda: self.api.approve(permit_id, role), "start": lambda: self.api.start(permit_id),
                "resume": lambda: self.api.resume(permit_id),
                "suspend": lambda: self.api.suspend(permit_id, reason.strip())}[step]

        def done(permit: Permit) -> None:
            self.show(permit)
            self.model.notice = self.t(f"permits.done_{step}")

        def refused(error: Exception) -> None:
            self.model.error = self.t("permits.refused", why=str(error)) if isinstance(error, Refused) \
                else self.describe(error)

        self.call(work, done, refused)
