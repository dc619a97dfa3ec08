"""Pure formatting of responsibility lists for the screens (no Kivy): cards and version differences."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mobile.api.duties import DutyList, ListDiff

Translate = Callable[..., str]
CHANGE_KINDS = ("areas", "hazard_levels", "risk_points", "devices")
LEVEL_ORDER = ("MAJOR", "A", "B", "C")


def card(duty: DutyList, t: Translate) -> dict[str, Any]:
    """One list as a card: who (post or person), which version, the duties, and what it answers for."""
    kind = t("duties.kind_post") if duty.holder_kind == "POST" else t("duties.kind_person")
    version = t("duties.version", n=duty.version) if duty.version else t("duties.draft")
    state = t(f"duties.state.{duty.state}") if duty.state in ("DRAFT", "SUPERSEDED", "WITHDRAWN") else ""
    facts = []
    if duty.area_names:
        facts.append(t("duties.areas", names=t("duties.list_sep").join(sorted(duty.area_names))))
    levels = sorted(duty.hazard_levels, key=lambda v: LEVEL_ORDER.index(v) if v in LEVEL_ORDER else 9)
    facts.append(t("duties.levels", levels=", ".join(level_name(v, t) for v in levels)
                   if duty.hazard_levels else t("duties.levels_all")))
    if duty.risk_points:
        facts.append(t("duties.risk_points", ids=", ".join(duty.risk_points)))
    if duty.devices:
        facts.append(t("duties.devices", n=duty.devices))
    return {"item_id": duty.id, "title": f"{duty.holder_name} · {kind} · {version}" + (f" · {state}" if state else ""),
            "duties": duty.duties, "facts": "\n".join(facts)}


def level_name(level: str, t: Translate) -> str:
    return t("duties.level_major") if level == "MAJOR" else level


def diff_text(diff: ListDiff, t: Translate, names: Mapping[str, str]) -> str:
    """What changed between two versions, one line a change ("+ added", "− removed"); area and risk point ids
    shown by their names in `names` (areas by name, risk points by code)."""
    lines = [t("duties.diff_head", a=diff.from_version or "?", b=diff.to_version or "?")]
    if diff.duties_changed:
        lines += [t("duties.diff_duties"), t("duties.diff_before", text=diff.duties_before),
                  t("duties.diff_after", text=diff.duties_after)]
    for change in sorted(diff.changes, key=lambda c: CHANGE_KINDS.index(c.kind) if c.kind in CHANGE_KINDS else 9):
        label = t(f"duties.diff_kind.{change.kind}")
        for value in change.added:
            lines.append(f"+ {label}: {shown(change.kind, value, t, names)}")
        for value in change.removed:
            lines.append(f"− {label}: {shown(change.kind, value, t, names)}")
    if len(lines) == 1:
        lines.append(t("duties.diff_none"))
    return "\n".join(lines)


def shown(kind: str, value: str, t: Translate, names: Mapping[str, str]) -> str:
    if kind in ("areas", "risk_points"):
        return names.get(value, value)
    if kind == "hazard_levels":
        return level_name(value, t)
    return value
