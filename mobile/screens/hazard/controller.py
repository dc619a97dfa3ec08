"""Hazard detail: the actions offered are the steps the server allows this person now (Hazard.allowedSteps)."""

from __future__ import annotations

from typing import Any

from contracts.roles import Role
from mobile.api.models import Hazard, HazardEvent, HazardStep, MutationResult, Outcome, User, parse_time
from mobile.screens.hazard.model import HazardModel
from mobile.ui.base import BaseController
from mobile.ui.format import deadline_text, grade_text, local_time

TRACE_ROLES = (Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN)   # who reads traceability

# a step the server allows (Hazard.allowedSteps) → the button that takes it
STEP_ACTIONS = (
    ("accept", (HazardStep.ACCEPT,)),
    ("rectify", (HazardStep.SUBMIT_RECTIFICATION,)),
    ("triage", (HazardStep.TRIAGE, HazardStep.DISMISS)),
    ("reinspect", (HazardStep.REINSPECT_PASS, HazardStep.REINSPECT_FAIL)),
    ("reassign", (HazardStep.REASSIGN,)),
    ("sign_off", (HazardStep.SIGN_OFF,)),
)


def available_actions(hazard: Hazard, user: User) -> list[str]:
    """The buttons to show: exactly the steps the server says this person may take now."""
    actions = [action for action, steps in STEP_ACTIONS if hazard.may(*steps)]
    if user.has_any(*TRACE_ROLES):
        actions.append("trace")
    return actions


PLAN_FIELDS = ("measures", "responsible_people", "funds", "deadline", "contingency_plan")


def plan_lines(hazard: Hazard, tr: Any) -> list[str]:
    """The control measures and a major hazard's treatment plan in words (labels, not keys)."""
    lines = []
    if hazard.control_measures:
        lines.append(tr("hazard.control_measures", text=hazard.control_measures))
    plan = hazard.treatment_plan
    for key in PLAN_FIELDS:
        value = plan.get(key)
        if value in (None, "", []):
            continue
        text = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
        if key == "deadline":
            text = local_time(parse_time(text)) if parse_time_safe(text) else text
        lines.append(tr(f"plan.{key}", text=text))
    return lines


def parse_time_safe(text: str) -> bool:
    try:
        return parse_time(text) is not None
    except ValueError:
        return False


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


def photo_strip(hazard: Hazard, tr: Any) -> tuple[list[str], list[str], list[str]]:
    """(thumbnails, full photos, labels): the report's photos labelled before, the after-photos after."""
    thumbs, full, labels = [], [], []
    for stage, photos in (("before", hazard.photos), ("after", hazard.rectification_photos)):
        for photo in photos:
            if photo.thumbnail_url or photo.url:
                thumbs.append(photo.thumbnail_url or photo.url or "")
                full.append(photo.url or photo.thumbnail_url or "")
                labels.append(tr(f"photo.{stage}"))
    return thumbs, full, labels


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
        if hazard.category:
            lines.insert(0, self.t("hazard.category", name=hazard.category))
        if hazard.observed_at:
            lines.append(self.t("hazard.observed", time=local_time(hazard.observed_at)))
        if hazard.rectification_note:
            lines.append(self.t("reinspect.note", text=hazard.rectification_note))
        if hazard.dismissed_reason:
            lines.append(self.t("hazard.dismissed_reason", text=hazard.dismissed_reason))
        lines += plan_lines(hazard, self.ctx.tr)
        self.model.facts = "\n".join(lines)
        self.model.deadline = deadline_text(hazard, self.ctx.tr)
        self.model.overdue = hazard.is_overdue
        self.model.thumbs, self.model.full_photos, self.model.photo_labels = photo_strip(hazard, self.ctx.tr)
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
