"""Triage: confirm grade and level, name the responsible person, set the deadline; or dismiss.

The levels, the major grade and dismissal are offered as the server allows them for this person
(Hazard.triageLevels / mayTriageMajor / allowedSteps); the deadline is the server's default for the level
(the mine's own rules apply) unless the officer types a number of days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.hazards import HazardGrade, HazardLevel, HazardState
from mobile.api.models import Hazard, HazardPage, HazardStep, MutationResult, Outcome, PersonRef, Team
from mobile.screens.hazard.controller import photo_strip
from mobile.screens.triage.model import TriageModel
from mobile.ui.format import local_time
from mobile.ui.hazard_list import HazardListController


def parse_days(text: str) -> int | None:
    """1–365 whole days, else None."""
    try:
        days = int(text.strip())
    except ValueError:
        return None
    return days if 1 <= days <= 365 else None


def treatment_plan_for(*, grade: HazardGrade, measures: str, funds: str, contingency: str,
                       responsible: PersonRef, deadline: datetime | None) -> dict[str, Any] | None:
    """A major hazard's 五落实 treatment plan as typed (measures, people, funds, deadline, contingency); what it
    must name is the server's rule (ValidationFailed on treatmentPlan), not checked here."""
    if grade is not HazardGrade.MAJOR:
        return None
    return {"measures": measures.strip(), "responsible_people": [responsible.display_name],
            "funds": funds.strip(), "deadline": deadline.isoformat() if deadline else "",
            "contingency_plan": contingency.strip()}


class TriageController(HazardListController):
    model: TriageModel
    open_screen = "triage"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.people: list[PersonRef] = []
        self.teams: list[Team] = []
        self.hazard: Hazard | None = None

    def on_enter(self, **params: Any) -> None:
        self.visible = True
        self.model.error = ""
        self.model.notice = ""
        self.model.hazard_id = params.get("hazard_id") or ""
        if self.model.hazard_id:
            self.call(self._load_form, self._form_loaded)
        else:
            self.refresh()

    def load(self, after: str | None = None) -> HazardPage:
        """Reported hazards this person may triage (the server's allowedSteps decides, per hazard)."""
        page = self.ctx.api.hazards(states=[HazardState.REPORTED], first=self.page_size, after=after)
        return HazardPage(hazards=tuple(h for h in page.hazards if h.may(HazardStep.TRIAGE, HazardStep.DISMISS)),
                          has_next_page=page.has_next_page, end_cursor=page.end_cursor)

    def select(self, hazard_id: str) -> None:
        self.ctx.navigate("triage", hazard_id=hazard_id)

    def _load_form(self) -> tuple[Hazard | None, list[PersonRef], list[Team]]:
        """The hazard, the people of its area (everyone when the area has nobody) and the area's teams."""
        hazard = self.ctx.api.hazard(self.model.hazard_id)
        people: list[PersonRef] = []
        teams: list[Team] = []
        if hazard is not None and hazard.area is not None:
            people = self.ctx.api.people(area_id=hazard.area.id)
            teams = [t for t in self.ctx.api.teams() if t.area_id == hazard.area.id]
        return hazard, people or self.ctx.api.people(), teams

    def set_team(self, name: str) -> None:
        """A team of the area; its leader is proposed as the responsible person."""
        team = next((t for t in self.teams if t.name == name), None)
        self.model.team = team.name if team else ""
        leader = next((p for p in self.people if team and p.id == team.leader_id), None)
        if leader is not None and not self.model.responsible:
            self.model.responsible = leader.display_name

    def _form_loaded(self, loaded: tuple[Hazard | None, list[PersonRef], list[Team]]) -> None:
        hazard, people, teams = loaded
        self.teams = teams
        self.model.teams = [t.name for t in teams]
        self.model.team = ""
        if hazard is None:
            self.model.error = self.t("common.empty")
            return
        self.hazard = hazard
        self.people = people
        self.model.people = [p.display_name for p in people]
        self.model.responsible = ""
        self.model.headline = hazard.description
        self.model.facts = "\n".join(line for line in [
            self.t("hazard.category", name=hazard.category) if hazard.category else "",
            self.t("hazard.area", name=hazard.area.name if hazard.area else "—")
            + (f" · {hazard.location}" if hazard.location else ""),
            self.t("hazard.reporter", name=hazard.reporter.display_name if hazard.reporter else "—")
            + f" · {local_time(hazard.observed_at or hazard.created_at)}",
            self.t("triage.suggested", grade=self.t(f"grade.{hazard.effective_grade.value}")),
        ] if line)
        self.model.thumbs, self.model.full_photos, self.model.photo_labels = photo_strip(hazard, self.ctx.tr)
        self.model.levels = [level.value for level in hazard.triage_levels]
        self.model.may_major = hazard.may_triage_major
        self.model.may_dismiss = hazard.may(HazardStep.DISMISS)
        grade = hazard.effective_grade
        if grade is HazardGrade.MAJOR and not hazard.may_triage_major:
            grade = HazardGrade.GENERAL
        self.model.grade = grade.value
        levels = self.model.levels
        self.model.level = (hazard.level.value if hazard.level and hazard.level.value in levels
                            else ("B" if "B" in levels else (levels[0] if levels else "C")))
        self.model.days = ""        # empty: the server sets the mine's default deadline for the level

    def set_grade(self, grade: str) -> None:
        self.model.grade = HazardGrade(grade).value

    def set_level(self, level: str) -> None:
        self.model.level = HazardLevel(level).value

    def submit(self, *, responsible_name: str, days_text: str, measures: str, plan: str, funds: str = "",
               contingency: str = "") -> None:
        person = next((p for p in self.people if p.display_name == responsible_name), None)
        if person is None:
            self.model.error = self.t("triage.need_responsible")
            return
        days = parse_days(days_text) if days_text.strip() else None
        if days_text.strip() and days is None:
            self.model.error = self.t("triage.bad_days")
            return
        if not measures.strip():
            self.model.error = self.t("triage.need_measures")
            return
        grade = HazardGrade(self.model.grade)
        hazard_id = self.model.hazard_id
        chosen = datetime.now(UTC) + timedelta(days=days) if days else None
        level = None if grade is HazardGrade.MAJOR else HazardLevel(self.model.level)
        # a major hazard's days are its treatment plan's deadline; a general one's only when the officer typed
        # them: otherwise the server sets the deadline from the level and the mine's own rules
        deadline = chosen if grade is HazardGrade.GENERAL else None
        treatment_plan = treatment_plan_for(grade=grade, measures=plan, funds=funds, contingency=contingency,
                                            responsible=person, deadline=chosen)

        def done(result: MutationResult) -> None:
            if result.outcome is Outcome.OK:
                self.model.notice = self.t("triage.done", name=person.display_name)
                self.ctx.navigate("triage", hazard_id="")
            elif result.field == "treatmentPlan":   # the server's word on what the plan lacks, in the app's language
                self.model.error = self.t("triage.need_plan")
            else:
                self.model.error = self.t("hazard.refused", message=result.message)

        team = next((t for t in self.teams if t.name == self.model.team), None)
        self.call(lambda: self.ctx.api.triage(hazard_id=hazard_id, grade=grade, level=level,
                                              responsible_id=person.id, deadline=deadline,
                                              control_measures=measures.strip(),
                                              treatment_plan=treatment_plan, team_id=team.id if team else None),
                  done)

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
