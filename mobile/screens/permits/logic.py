"""Pure formatting of work permits for the screens (no Kivy): cards, the guardian's view, the step buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mobile.api.permits import Permit
from mobile.ui.format import local_time

Translate = Callable[..., str]
GAS_MAX_AGE_S = 30 * 60
ACTION_FIRST = ("approve", "start", "resume")
LIVE = ("ACTIVE", "SUSPENDED")


def state_text(permit: Permit, t: Translate) -> str:
    return t(f"permits.state.{permit.state}")


def gas_text(permit: Permit, t: Translate) -> str:
    """The latest gas test and its age; the 30-minute limit said plainly when it has passed."""
    test = permit.gas_test
    if test is None:
        return t("permits.gas_none")
    minutes = test.age_seconds // 60
    verdict = t("permits.gas_pass") if test.passed else t("permits.gas_fail")
    text = t("permits.gas", ch4=f"{test.ch4:g}", minutes=minutes, verdict=verdict,
             source=t(f"permits.source.{test.source}"))
    return text + (" · " + t("permits.gas_stale") if test.age_seconds > GAS_MAX_AGE_S else "")


def reasons_text(permit: Permit, t: Translate) -> str:
    return "\n".join(f"• {t(f'permits.cause.{r.cause}')}: {r.detail} ({local_time(r.at)})"
                     for r in permit.suspend_reasons)


def role_name(role: str, t: Translate) -> str:
    return t(f"permits.role.{role}")


def card(permit: Permit, t: Translate, me: str | None = None) -> dict[str, Any]:
    """One permit as a card: kind, grade, state; where and when; what waits."""
    waits = ""
    if permit.state == "APPLIED" and permit.missing_approvals:
        waits = t("permits.waiting", roles=", ".join(role_name(r, t) for r in permit.missing_approvals))
    elif permit.state == "SUSPENDED" and permit.suspend_reasons:
        waits = t(f"permits.cause.{permit.suspend_reasons[-1].cause}")
    mine = t("permits.mine_guardian") if me and me == permit.guardian_id else ""
    return {"item_id": permit.id,
            "title": f"{permit.kind_name} · {t(f'permits.grade.{permit.grade}')} · {state_text(permit, t)}",
            "line2": f"{permit.area_name} · {local_time(permit.starts_at)} – {local_time(permit.ends_at)}",
            "line3": " · ".join(x for x in (waits, mine) if x),
            "alert": permit.state == "SUSPENDED"}


def order(permits: list[Permit]) -> list[Permit]:
    """What waits for me first, then live work, then the rest (newest first within each)."""
    def rank(p: Permit) -> int:
        if any(s in p.allowed_steps for s in ACTION_FIRST):
            return 0
        return 1 if p.state in LIVE else 2
    return sorted(permits, key=rank)


def facts(permit: Permit, t: Translate) -> str:
    """The guardian's view: who, where, when, the crew, the approvals."""
    lines = [t("permits.fact_area", area=permit.area_name) + (" · " + t("permits.underground")
                                                                if permit.underground else ""),
             t("permits.fact_window", start=local_time(permit.starts_at), end=local_time(permit.ends_at)),
             t("permits.fact_leader", name=permit.work_leader),
             t("permits.fact_guardian", name=permit.guardian, where=t("permits.in_area") if permit.guardian_in_area
               else t("permits.not_in_area")),
             t("permits.fact_crew", names="、".join(permit.crew) or "—")]
    signed = [f"{role_name(role, t)}: {name}" for role, name in permit.approvals]
    if signed:
        lines.append(t("permits.fact_approved", who="; ".join(signed)))
    if permit.missing_approvals:
        lines.append(t("permits.waiting", roles=", ".join(role_name(r, t) for r in permit.missing_approvals)))
    return "\n".join(lines)


def actions(permit: Permit, roles: set[str], t: Translate) -> list[dict[str, str]]:
    """The buttons this person gets: one approval button per missing role they hold, start, resume, and stop
    while the work runs."""
    buttons = []
    if "approve" in permit.allowed_steps:
        buttons += [{"step": "approve", "role": r, "text": t("permits.approve_as", role=role_name(r, t))}
                    for r in permit.missing_approvals if r in roles]
    for step in ("start", "resume", "suspend"):
        if step in permit.allowed_steps and (step != "suspend" or permit.state == "ACTIVE"):
            buttons.append({"step": step, "role": "", "text": t(f"permits.do_{step}")})
    return buttons
