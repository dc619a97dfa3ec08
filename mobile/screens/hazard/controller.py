"""Hazard detail: which actions the user may take follows DOMAIN.md's closed loop and roles."""

from __future__ import annotations

from typing import Any

from mobile.api.models import Hazard, HazardEvent, HazardGrade, HazardState, MutationResult, Outcome, Role, User
from mobile.screens.hazard.model import HazardModel
from mobile.ui.base import BaseController
from mobile.ui.format import deadline_text, grade_text, local_time

OFFICERS = (Role.SAFETY_OFFICER, Role.ADMIN)
MANAGERS = (Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN)
REASSIGNERS = (Role.SAFETY_OFFICER, Role.MINE_MANAGER)      # backend CanReassignHazard (+ the area's manager)
REASSIGNABLE = (HazardState.ASSIGNED, HazardState.RECTIFYING)


def may_reassign(hazard: Hazard, user: User) -> bool:
    """Safety officers and mine managers anywhere, an area manager in their own area; assigned or rectifying."""
    if hazard.state not in REASSIGNABLE:
        return False
    if user.has_any(*REASSIGNERS):
        return True
    return user.has_any(Role.AREA_MANAGER) and hazard.area is not None and hazard.area.id == user.area_id


def available_actions(hazard: Hazard, user: User) -> list[str]:
    """The buttons to show (the server still decides; this only hides what would be refused)."""
    actions: list[str] = []
    mine = hazard.responsible is not None and hazard.responsible.id == user.id
    if hazard.state is HazardState.ASSIGNED and mine:
        actions.append("accept")
    if hazard.state is HazardState.RECTIFYING and mine:
        actions.append("rectify")
    if hazard.state is HazardState.REPORTED and user.has_any(*OFFICERS):
        actions.append("triage")
    if hazard.state is HazardState.PENDING_REVIEW and user.has_any(*OFFICERS) and not mine:
        actions.append("reinspect")
    if may_reassign(hazard, user):
        actions.append("reassign")
    if (hazard.effective_grade is HazardGrade.MAJOR and user.has_any(Role.MINE_MANAGER)
            and hazard.state not in (HazardState.CLOSED, HazardState.DISMISSED)):
        actions.append("sign_off")
    if user.has_any(*MANAGERS, Role.SAFETY_OFFICER):
        actions.append("trace")
    return actions


def changed(before: Hazard, after: Hazard) -> bool:
    """Whether a live event tells something new about the hazard shown."""
    def facts(h: Hazard) -> tuple[object, ...]:
        return (h.state, h.grade, h.level, h.responsible, h.deadline, h.is_overdue, len(h.photos),
                len(h.rectification_photos))
    return facts(before) != facts(after)


def thumbnail_urls(hazard: Hazard) -> list[str]:
    """Signed thumbnail URLs (loaded by AsyncImage off the UI thread), photos first, then after-photos."""
    return [p.thumbnail_url or p.url or "" for p in (*hazard.photos, *hazard.rectification_photos)
            if p.thumbnail_url or p.url]


class HazardController(BaseController):
    model: HazardModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hazard: Hazard | None = None

    def on_enter(self, **params: Any) -> None:
        hazard_id = params.get("hazard_id") or self.model.hazard_id
        self.model.hazard_id = hazard_id
        self.model.notice = params.get("notice") or ""     # e.g. "reassigned to …" from the screen before
        known = params.get("hazard")           # the hazard as the screen before left it (its echo is not news)
        if isinstance(known, Hazard) and known.id == hazard_id:
            self.show(known)
        self.reload()

    def reload(self) -> None:
        self.call(lambda: self.ctx.api.hazard(self.model.hazard_id), self.show)

    def show(self, hazard: Hazard | None) -> None:
        if hazard is None:
            self.model.error = self.t("common.empty")
            return
        self.hazard = hazard
        user = self.ctx.sessions.user
        self.model.headline = hazard.description
        lines = [
            f"{self.t(f'state.{hazard.state.value}')} · {grade_text(hazard, self.ctx.tr)}",
            self.t("hazard.area", name=hazard.area.name if hazard.area else "—")
            + (f" · {hazard.location}" if hazard.location else ""),
            self.t("hazard.reporter", name=hazard.reporter.display_name if hazard.reporter else "—")
            + f" · {local_time(hazard.created_at)}",
            self.t("hazard.responsible", name=hazard.responsible.display_name if hazard.responsible else "—"),
            self.t("hazard.photos", n=len(hazard.photos), m=len(hazard.rectification_photos)),
        ]
        self.model.facts = "\n".join(lines)
        self.model.deadline = deadline_text(hazard, self.ctx.tr)
        self.model.overdue = hazard.is_overdue
        self.model.thumbs = thumbnail_urls(hazard)
        actions = available_actions(hazard, user) if user else []
        self.model.actions = [{"action": a, "text": self.t(f"hazard.{a}")} for a in actions]

    def on_hazard_event(self, event: HazardEvent) -> None:
        if event.hazard is not None and event.hazard.id == self.model.hazard_id:
            before = self.hazard
            self.show(event.hazard)
            if before is None or changed(before, event.hazard):     # not the echo of what is already shown
                self.model.notice = self.t("hazard.changed")

    def act(self, action: str) -> None:
        hazard_id = self.model.hazard_id
        if action == "accept":
            self.call(lambda: self.ctx.api.accept(hazard_id=hazard_id), self._after("hazard.accepted"))
        elif action == "sign_off":
            self.call(lambda: self.ctx.api.sign_off_major(hazard_id=hazard_id), self._after("hazard.refused"))
        elif action in ("rectify", "triage", "reinspect", "trace", "reassign"):
            self.ctx.navigate(action, hazard_id=hazard_id)
        else:
            raise ValueError(f"unknown action {action!r}")

    def _after(self, ok_key: str):  # -> Callable[[MutationResult], None]
        def done(result: MutationResult) -> None:
            if result.outcome is Outcome.OK and result.hazard is not None:
                self.show(result.hazard)
                self.model.notice = self.t(ok_key, message="")
            else:
                self.model.error = self.t("hazard.refused", message=result.message)
        return done
