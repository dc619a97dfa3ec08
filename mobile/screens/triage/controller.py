"""Triage: confirm grade and level, name the responsible person, set the deadline; or dismiss."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mobile.api.models import (
    Hazard,
    HazardGrade,
    HazardLevel,
    HazardPage,
    HazardState,
    MutationResult,
    Outcome,
    PersonRef,
)
from mobile.screens.triage.model import TriageModel
from mobile.ui.hazard_list import HazardListController

DEFAULT_DAYS = {HazardLevel.A: 7, HazardLevel.B: 3, HazardLevel.C: 1}
MAJOR_PLAN_DAYS = 1


def default_deadline_days(grade: HazardGrade, level: HazardLevel | None) -> int:
    """DOMAIN.md defaults: A 7 days, B 3, C 1 (end of next shift); major: plan within 24 h."""
    if grade is HazardGrade.MAJOR or level is None:
        return MAJOR_PLAN_DAYS
    return DEFAULT_DAYS[level]


def parse_days(text: str) -> int | None:
    """1–365 whole days, else None."""
    try:
        days = int(text.strip())
    except ValueError:
        return None
    return days if 1 <= days <= 365 else None


def treatment_plan_for(*, grade: HazardGrade, measures: str, funds: str, contingency: str,
                       responsible: PersonRef, deadline: datetime) -> dict[str, Any] | None:
    """The 五落实 treatment plan a major hazard needs (measures, people, funds, deadline, contingency)."""
    if grade is not HazardGrade.MAJOR:
        return None
    return {"measures": measures.strip(), "responsible_people": [responsible.display_name],
            "funds": funds.strip(), "deadline": deadline.isoformat(), "contingency_plan": contingency.strip()}


class TriageController(HazardListController):
    model: TriageModel
    open_screen = "triage"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.people: list[PersonRef] = []

    def on_enter(self, **params: Any) -> None:
        self.visible = True
        self.model.error = ""
        self.model.notice = ""
        self.model.hazard_id = params.get("hazard_id") or ""
        if self.model.hazard_id:
            self.call(lambda: (self.ctx.api.hazard(self.model.hazard_id), self.ctx.api.people()), self._form_loaded)
        else:
            self.refresh()

    def load(self, after: str | None = None) -> HazardPage:
        return self.ctx.api.hazards(states=[HazardState.REPORTED], first=self.page_size, after=after)

    def select(self, hazard_id: str) -> None:
        self.ctx.navigate("triage", hazard_id=hazard_id)

    def _form_loaded(self, loaded: tuple[Hazard | None, list[PersonRef]]) -> None:
        hazard, people = loaded
        if hazard is None:
            self.model.error = self.t("common.empty")
            return
        self.people = people
        self.model.people = [p.display_name for p in people]
        self.model.responsible = ""
        self.model.headline = f"{hazard.description} · {hazard.area.name if hazard.area else ''}"
        self.model.grade = hazard.effective_grade.value
        self.model.level = (hazard.level or HazardLevel.B).value
        self._default_days()

    def set_grade(self, grade: str) -> None:
        self.model.grade = HazardGrade(grade).value
        self._default_days()

    def set_level(self, level: str) -> None:
        self.model.level = HazardLevel(level).value
        self._default_days()

    def _default_days(self) -> None:
        self.model.days = str(default_deadline_days(HazardGrade(self.model.grade), HazardLevel(self.model.level)))

    def submit(self, *, responsible_name: str, days_text: str, measures: str, plan: str, funds: str = "",
               contingency: str = "") -> None:
        person = next((p for p in self.people if p.display_name == responsible_name), None)
        if person is None:
            self.model.error = self.t("triage.need_responsible")
            return
        days = parse_days(days_text)
        if days is None:
            self.model.error = self.t("triage.bad_days")
            return
        if not measures.strip():
            self.model.error = self.t("triage.need_measures")
            return
        grade = HazardGrade(self.model.grade)
        if grade is HazardGrade.MAJOR and not (plan.strip() and funds.strip() and contingency.strip()):
            self.model.error = self.t("triage.need_plan")
            return
        hazard_id = self.model.hazard_id
        deadline = datetime.now(UTC) + timedelta(days=days)
        level = None if grade is HazardGrade.MAJOR else HazardLevel(self.model.level)
        treatment_plan = treatment_plan_for(grade=grade, measures=plan, funds=funds, contingency=contingency,
                                            responsible=person, deadline=deadline)

        def done(result: MutationResult) -> None:
            if result.outcome is Outcome.OK:
                self.model.notice = self.t("triage.done", name=person.display_name)
                self.ctx.navigate("triage", hazard_id="")
            else:
                self.model.error = self.t("hazard.refused", message=result.message)

        self.call(lambda: self.ctx.api.triage(hazard_id=hazard_id, grade=grade, level=level,
                                              responsible_id=person.id, deadline=deadline,
                                              control_measures=measures.strip(),
                                              treatment_plan=treatment_plan), done)

    def dismiss(self, reason: str) -> None:
        if not reason.strip():
            self.model.error = self.t("triage.need_reason")
            return
        hazard_id = self.model.hazard_id

        def done(result: MutationResult) -> None:
            if result.outcome is Outcome.OK:
                self.ctx.navigate("triage", hazard_id="")
            else:
                self.model.error = self.t("hazard.refused", message=result.message)

        self.call(lambda: self.ctx.api.dismiss(hazard_id=hazard_id, reason=reason.strip()), done)
