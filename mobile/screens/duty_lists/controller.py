"""Managers: responsibility lists of the posts and people within a unit, and what changed between versions."""

from __future__ import annotations

from typing import Any

from mobile.api.duties import DutiesApi, DutyList, ListDiff, Unit
from mobile.screens.duties.logic import card, diff_text
from mobile.screens.duty_lists.model import DutyListsModel
from mobile.ui.base import BaseController


class DutyListsController(BaseController):
    model: DutyListsModel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api = DutiesApi(self.ctx.client)
        self.units: list[Unit] = []
        self.lists: dict[str, DutyList] = {}

    def on_enter(self, **params: Any) -> None:
        self.call(self.api.units, self.show_units)

    def show_units(self, units: list[Unit]) -> None:
        self.units = sorted(units, key=lambda u: (u.kind != "DISTRICT", u.name))
        self.model.unit_names = [self.t("duty_lists.all_units")] + [self.unit_label(u) for u in self.units]
        self.pick_unit(self.model.unit or self.model.unit_names[0])

    def unit_label(self, unit: Unit) -> str:
        return f"{unit.name} ({self.t('duty_lists.district')})" if unit.kind == "DISTRICT" else unit.name

    def pick_unit(self, label: str) -> None:
        self.model.unit = label
        self.model.diff_text = ""
        unit = next((u for u in self.units if self.unit_label(u) == label), None)
        self.call(lambda: self.api.lists(unit.id if unit else None), self.show_lists)

    def show_lists(self, lists: list[DutyList]) -> None:
        published = [d for d in lists if d.state == "PUBLISHED" or d.state == "DRAFT"]
        self.lists = {d.id: d for d in published}
        ordered = sorted(published, key=lambda d: (d.holder_kind, d.holder_name, d.state))
        self.model.cards = [card(d, self.t) for d in ordered]
        self.model.empty_text = "" if published else self.t("duty_lists.empty")

    def select(self, list_id: str) -> None:
        """Compare the chosen version with the one before it."""
        chosen = self.lists.get(list_id)
        if chosen is None:
            return

        def work() -> tuple[ListDiff | None, dict[str, str]]:
            versions = [v for v in self.api.versions(chosen.holder_kind, chosen.holder_id) if v.version]
            previous = next((v for v in versions if chosen.version is None or v.version < chosen.version), None)
            if previous is None or previous.id == chosen.id:
                return None, {}
            return self.api.diff(previous.id, chosen.id), previous.risk_point_codes

        self.call(work, lambda found: self.show_diff(chosen, *found))

    def show_diff(self, chosen: DutyList, diff: ListDiff | None, earlier_codes: dict[str, str] | None = None) -> None:
        names = {**(earlier_codes or {}), **chosen.risk_point_codes, **{u.id: u.name for u in self.units}}
        header = f"{chosen.holder_name}\n"
        self.model.diff_text = header + (diff_text(diff, self.t, names) if diff else self.t("duty_lists.first_version"))
