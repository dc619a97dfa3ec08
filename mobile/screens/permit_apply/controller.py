"""Apply for a permit: the mine's kinds (grades and their validity), areas and people; the server checks the rest
(approvers by role, conflicts with other permits, the power zone)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.client import Refused
from mobile.api.models import Area, PersonRef
from mobile.api.permits import Permit, PermitKind, PermitsApi
from mobile.screens.permit_apply.model import PermitApplyModel
from mobile.screens.permits.logic import role_name
from mobile.ui.base import BaseController


class PermitApplyController(BaseController):
    model: PermitApplyModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = PermitsApi(self.ctx.client, lambda: self.ctx.tr.language)
        self.kinds: dict[str, PermitKind] = {}
        self.areas: dict[str, Area] = {}
        self.people: dict[str, PersonRef] = {}
        self.crew: list[str] = []
        self.client_id = str(uuid.uuid4())

    def on_enter(self, **params: Any) -> None:
        self.crew, self.client_id = [], str(uuid.uuid4())
        self.model.crew_text, self.model.notice = "", ""

        def load() -> tuple[list[PermitKind], list[Area], list[PersonRef]]:
            return self.api.kinds(), self.ctx.api.areas(), self.ctx.api.people()

        self.call(load, self.show)

    def show(self, loaded: tuple[list[PermitKind], list[Area], list[PersonRef]]) -> None:
        kinds, areas, people = loaded
        self.kinds = {k.name: k for k in kinds}
        self.areas = {a.name: a for a in areas}
        self.people = {p.display_name: p for p in people}
        self.model.kind_names = list(self.kinds)
        self.model.area_names = list(self.areas)
        self.model.people_names = list(self.people)
        if kinds:
            self.pick_kind(kinds[0].name)

    def grade_label(self, grade: str) -> str:
        return self.t(f"permits.grade.{grade}")

    def pick_kind(self, name: str) -> None:
        kind = self.kinds.get(name)
        if kind is None:
            return
        self.model.kind = name
        self.model.grade_names = [self.grade_label(g.grade) for g in kind.grades]
        self.model.measures_text = "\n".join(f"□ {text}" for _code, text in kind.measures)
        self.pick_grade(self.model.grade_names[-1] if self.model.grade_names else "")

    def _grade(self) -> Any:
        kind = self.kinds.get(self.model.kind)
        return next((g for g in kind.grades if self.grade_label(g.grade) == self.model.grade), None) if kind else None

    def pick_grade(self, label: str) -> None:
        self.model.grade = label
        grade = self._grade()
        self.model.max_hours = grade.validity_hours if grade else 8

    def add_crew(self, name: str) -> None:
        if name in self.people and name not in self.crew:
            self.crew.append(name)
        self.model.crew_text = self.t("permits.crew_now", names="、".join(self.crew)) if self.crew else ""

    def submit(self, *, area: str, leader: str, guardian: str, hours: str, description: str) -> None:
        grade = self._grade()
        missing = [label for label, ok in ((self.t("permits.kind"), grade is not None),
                                           (self.t("permits.area"), area in self.areas),
                                           (self.t("permits.leader"), leader in self.people),
                                           (self.t("permits.guardian"), guardian in self.people),
                                           (self.t("permits.crew"), bool(self.crew)),
                                           (self.t("permits.description"), bool(description.strip())))
                   if not ok]
        try:
            length = float(hours)
        except ValueError:
            length = 0.0
        if not 0 < length <= self.model.max_hours:
            missing.append(self.t("permits.hours", max=f"{self.model.max_hours:g}"))
        if missing:
            self.model.error = self.t("permits.missing", what="; ".join(missing))
            return
        starts = datetime.now(UTC)
        fields = {"clientId": self.client_id, "kindId": self.kinds[self.model.kind].id, "grade": grade.grade,
                  "areaId": self.areas[area].id, "startsAt": starts.isoformat(),
                  "endsAt": (starts + timedelta(hours=length)).isoformat(), "description": description.strip(),
                  "workLeaderId": self.people[leader].id, "guardianId": self.people[guardian].id,
                  "crewIds": [self.people[c].id for c in self.crew]}

        def done(permit: Permit) -> None:
            roles = ", ".join(role_name(r, self.t) for r in permit.missing_approvals)
            self.ctx.navigate("permit", permit_id=permit.id)
            self.model.notice = self.t("permits.applied", roles=roles)

        def refused(error: Exception) -> None:
            self.model.error = self.t("permits.refused", why=str(error)) if isinstance(error, Refused) \
                else self.describe(error)

        self.call(lambda: self.api.apply(**fields), done, refused)
