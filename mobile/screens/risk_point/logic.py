"""A risk point's drill-down as text sections (no Kivy): level, sources, assessment, measures, hazards, people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mobile.api.risks import PointDetail

Translate = Callable[..., str]


def sections(p: PointDetail, t: Translate) -> list[dict[str, Any]]:
    out = []
    facts = [t("risk_point.area", name=p.area_name)]
    if p.required_control:
        facts.append(t("risk_point.control", level=t(f"risk.control.{p.required_control}")))
    facts.append(t(f"risk.review.{p.summary.review_state}"))
    out.append({"title": t("risk_point.facts"), "text": "\n".join(facts)})
    if p.sources:
        out.append({"title": t("risk_point.sources"),
                    "text": "\n".join(f"• {t(f'risk.category.{c}')}: {d}" for c, d in p.sources)})
    if p.latest:
        a = p.latest
        out.append({"title": t("risk_point.assessment"),
                    "text": t("risk_point.assessment_line", v=a["version"], method=a["method"],
                              reason=t(f"risk.reason.{a['reason']}"), score=f"{a['score']:g}", band=a["band"],
                              who=a["assessorName"])})
    lines = []
    for m in p.measures:
        holders = t("risk.list_sep").join(m.holders) or t("risk_point.nobody")
        warn = "" if m.fits else " ⚠ " + t("risk_point.reassign")
        lines.append(f"• [{t(f'risk.measure.{m.kind}')}] {m.text}\n   {m.post} · "
                     f"{t(f'risk.control.{m.control_level}')} · {t(f'risk.frequency.{m.frequency}')} · {holders}{warn}")
    out.append({"title": t("risk_point.measures", n=len(p.measures)), "text": "\n".join(lines) or "—"})
    out.append({"title": t("risk_point.hazards", n=len(p.open_hazards)),
                "text": "\n".join(f"• {t(f'risk_point.hazard_state.{s}')}: {d[:80]}" for _, s, d in p.open_hazards)
                or t("risk_point.no_hazards")})
    out.append({"title": t("risk_point.responsible"),
                "text": "\n".join(f"• {name} — {t(f'risk_point.via.{via}')}" + (f" ({post})" if post else "")
                                  for name, via, post in p.responsible) or t("risk_point.nobody")})
    return out


def level_text(p: PointDetail, t: Translate) -> str:
    s = p.summary
    shown = t(f"risk.level.{s.shown_level}") if s.shown_level else t("risk.level.NONE")
    if s.raised and s.level:
        causes = t("risk.list_sep").join(t(f"risk.cause.{c}") for c in s.causes)
        return t("risk.raised_line", shown=shown, base=t(f"risk.level.{s.level}"), causes=causes)
    return shown
