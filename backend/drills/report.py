"""A drill's timeline report as a PDF, with the reports' machinery (backend/reports/render.py: matplotlib Figures,
the CJK font embedded, its table drawing): the score, each response (time, who, met or missed) and a timeline
chart of the events, the alerts and the responses."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from backend.reports.figures import Column, ColumnKind, Table
from backend.reports.render import _LOCK, A4, _draw_table, cjk_font_name


@dataclass(frozen=True)
class DrillReportData:
    mine_name: str
    drill_name: str
    code: str
    started_at: datetime
    finished_at: datetime
    speed: float
    score: float
    results: list[dict[str, Any]]
    events: list[tuple[float, str]]  # (drill second, what happened): the scenario's events
    observed: list[tuple[float, str]]  # (drill second, what was seen): alerts, power cuts, responses
    timezone_offset: timedelta = timedelta(hours=8)


RESULT_COLUMNS = [Column("kind", "应急响应", "Response"), Column("after", "针对事件", "After"),
                  Column("within_s", "时限(秒)", "Limit (s)", ColumnKind.NUMBER),
                  Column("seconds", "用时(秒)", "Took (s)", ColumnKind.NUMBER), Column("who", "执行人", "Who"),
                  Column("met", "达标", "Met"), Column("note", "说明", "Note")]


def results_table(results: list[dict[str, Any]]) -> Table:
    rows = [[r["kind"], r["after"], r["within_s"], r["seconds"], r["who"] or "—", "√" if r["met"] else "×",
             r["note"]] for r in results]
    return Table(name="responses", zh="应急响应评估", en="Responses", columns=RESULT_COLUMNS, rows=rows)


def render_drill_pdf(data: DrillReportData) -> bytes:
    """Two sections on A4: the header with the score and the responses table; the timeline chart."""
    buffer = io.BytesIO()
    style = {"font.family": [cjk_font_name()], "pdf.fonttype": 42, "axes.unicode_minus": False}
    metadata = {"Title": f"{data.mine_name} {data.drill_name} 应急演练报告", "Creator": "minesafe",
                "CreationDate": None}
    offset = data.timezone_offset
    with _LOCK, matplotlib.rc_context(style), PdfPages(buffer, metadata=metadata) as pdf:
        page = Figure(figsize=A4)
        page.text(0.08, 0.955, data.mine_name, fontsize=16)
        page.text(0.08, 0.93, f"应急演练报告 Drill report  {data.drill_name}", fontsize=12)
        start, end = data.started_at + offset, data.finished_at + offset
        page.text(0.08, 0.905, f"{start:%Y-%m-%d %H:%M:%S} – {end:%H:%M:%S}  ·  {data.code}  ·  ×{data.speed:g}",
                  fontsize=8, color="#555")
        page.text(0.70, 0.93, f"得分 Score {data.score:.1f}", fontsize=18,
                  color="#1a7f37" if data.score >= 80 else "#b35900" if data.score >= 60 else "#c62828")
        _draw_table(page, (0.06, 0.50, 0.88, 0.38), results_table(data.results), offset, max_rows=20)
        ax = page.add_axes((0.10, 0.06, 0.84, 0.38))
        ax.set_title("时间线 Timeline (演练秒 drill seconds)", fontsize=9, loc="left")
        lanes = [("事件 Events", data.events, "#c62828"), ("观测 Observed", data.observed, "#1565c0")]
        for lane, (_, items, colour) in enumerate(lanes):
            for i, (t, label) in enumerate(sorted(items)):
                ax.plot([t], [lane], marker="o", color=colour, markersize=4)
                ax.annotate(label[:40], (t, lane), xytext=(2, 6 + 7 * (i % 4)), textcoords="offset points",
                            fontsize=5.5, rotation=0)
        for r in data.results:
            if r.get("seconds") is not None:
                ax.axvline(r["seconds"], color="#1a7f37" if r["met"] else "#b35900", lw=0.3, ls=":")
        ax.set_yticks([0, 1], [lanes[0][0], lanes[1][0]], fontsize=7)
        ax.set_ylim(-0.5, 1.9)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel("s", fontsize=7)
        pdf.savefig(page)
    return buffer.getvalue()
