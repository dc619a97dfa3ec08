"""The monthly safety report (月度安全报告) as a PDF: matplotlib tables and charts, a CJK font embedded.

matplotlib alone draws the charts and the tables (no second PDF library): A4 pages from `Figure` objects (no
pyplot, so it runs in a worker thread), the font subset embedded as TrueType (pdf.fonttype 42).
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from backend.reports.figures import ColumnKind, Table

logger = logging.getLogger(__name__)
A4 = (8.27, 11.69)
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",          # Debian fonts-wqy-microhei (the app's font)
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
MAX_ROWS = 18
_LOCK = threading.Lock()  # matplotlib's font cache and rcParams are process-wide


class NoCjkFont(RuntimeError):
    """No font with Chinese glyphs was found; install fonts-wqy-microhei or set MINESAFE_CJK_FONT."""


@cache
def cjk_font_name() -> str:
    """Register the CJK font with matplotlib once; its family name."""
    candidates = [os.environ.get("MINESAFE_CJK_FONT", ""), *CJK_FONTS]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            font_manager.fontManager.addfont(candidate)
            return font_manager.FontProperties(fname=candidate).get_name()
    raise NoCjkFont("no Chinese font found: install fonts-wqy-microhei or set MINESAFE_CJK_FONT")


@dataclass(frozen=True)
class ReportHeader:
    mine_name: str
    label: str
    period_start: datetime
    period_end: datetime
    as_of: datetime
    generated_at: datetime
    digest: str
    timezone_offset: timedelta


def fmt(value: Any, kind: ColumnKind) -> str:
    if value is None or value == "":
        return "—"
    if kind is ColumnKind.RATE and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return str(value)


def _cell(value: Any, kind: ColumnKind, offset: timedelta, width: int = 26) -> str:
    if isinstance(value, datetime):
        value = value + offset
    text = fmt(value, kind)
    return text if len(text) <= width else text[:width - 1] + "…"


def _draw_table(fig: Figure, rect: tuple[float, float, float, float], table: Table, offset: timedelta,
                max_rows: int = MAX_ROWS, columns: Sequence[str] | None = None) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    more = max(0, len(table.rows) - max_rows)
    note = f"（另有 {more} 行见 XLSX / {more} more rows in the XLSX)" if more else ""
    ax.set_title(f"{table.zh}  {table.en}{note}", fontsize=9, loc="left")
    chosen = [i for i, c in enumerate(table.columns) if columns is None or c.key in columns]
    if not table.rows:
        ax.text(0, 0.9, "本期无数据 No data in this period", fontsize=8, transform=ax.transAxes, va="top")
        return
    cells = [[_cell(row[i], table.kind_of(r, i), offset) for i in chosen]
             for r, row in enumerate(table.rows[:max_rows])]
    headers = [table.columns[i].zh for i in chosen]
    drawn = ax.table(cellText=cells, colLabels=headers, loc="upper center", cellLoc="center")
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(6.5)
    drawn.scale(1, 1.25)
    for (row, _), cell in drawn.get_celld().items():
        cell.set_linewidth(0.3)
        if row == 0:
            cell.set_facecolor("#e8edf3")


def _title_page(fig: Figure, header: ReportHeader) -> None:
    offset = header.timezone_offset
    fig.text(0.08, 0.955, f"{header.mine_name}", fontsize=16)
    fig.text(0.08, 0.93, f"月度安全报告 Monthly safety report  {header.label}", fontsize=12)
    fig.text(0.08, 0.912, f"统计期 {(header.period_start + offset):%Y-%m-%d} — {(header.period_end + offset):%Y-%m-%d}"
                          f"（不含）  数据截至 as of {(header.as_of + offset):%Y-%m-%d %H:%M}"
                          f"  生成 generated {(header.generated_at + offset):%Y-%m-%d %H:%M}", fontsize=7.5)
    fig.text(0.08, 0.898, f"数据摘要 figures digest sha256 {header.digest[:32]}…（同月重算摘要不变）", fontsize=6.5,
             color="#555555")


def _daily_chart(fig: Figure, rect: tuple[float, float, float, float], daily: Table) -> None:
    ax = fig.add_axes(rect)
    days = [row[0][5:] for row in daily.rows]
    reported = [row[1] for row in daily.rows]
    closed = [row[2] for row in daily.rows]
    positions = range(len(days))
    ax.bar([p - 0.2 for p in positions], reported, width=0.4, label="上报 reported", color="#d9822b")
    ax.bar([p + 0.2 for p in positions], closed, width=0.4, label="销号 closed", color="#2b7bd9")
    ax.set_xticks(list(positions)[::3], days[::3], fontsize=6)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize=6)
    ax.set_title("每日隐患上报与销号 Hazards reported and closed per day", fontsize=9, loc="left")
    ax.legend(fontsize=6, frameon=False)


def _trend_chart(fig: Figure, rect: tuple[float, float, float, float], summary: Table, label: str) -> None:
    ax = fig.add_axes(rect)
    periods = [c.zh for c in summary.columns[4:]] + [label]
    wanted = {"CLOSE_OUT_RATE": "闭环率", "ON_TIME_RATE": "按期率", "SENSOR_ONLINE_RATE": "在线率",
              "MAINTENANCE_COMPLIANCE": "维护合规率"}
    for row in summary.rows:
        if row[1] in wanted:
            series = [*row[4:], row[3]]
            ax.plot(range(len(periods)), [v if v is not None else float("nan") for v in series], marker="o",
                    label=wanted[row[1]], linewidth=1.2, markersize=3)
    ax.set_xticks(range(len(periods)), periods, fontsize=6)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.tick_params(axis="y", labelsize=6)
    ax.set_title("近期趋势 Trend", fontsize=9, loc="left")
    ax.legend(fontsize=6, frameon=False, ncol=4, loc="lower left")


def _bar_chart(fig: Figure, rect: tuple[float, float, float, float], table: Table, title: str,
               label_col: int = 0, value_col: int = 1, top: int = 10) -> None:
    ax = fig.add_axes(rect)
    rows = table.rows[:top][::-1]
    if not rows:
        ax.axis("off")
        ax.set_title(title, fontsize=9, loc="left")
        ax.text(0, 0.8, "无 none", fontsize=8, transform=ax.transAxes)
        return
    ax.barh([str(r[label_col])[:16] for r in rows], [r[value_col] or 0 for r in rows], color="#c0392b")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.tick_params(labelsize=6)
    ax.set_title(title, fontsize=9, loc="left")


def render_pdf(header: ReportHeader, tables: Sequence[Table]) -> bytes:
    """The report's pages, in memory."""
    by_name = {t.name: t for t in tables}
    offset = header.timezone_offset
    buffer = io.BytesIO()
    style = {"font.family": [cjk_font_name()], "pdf.fonttype": 42, "axes.unicode_minus": False}
    metadata = {"Title": f"{header.mine_name} {header.label} 月度安全报告", "Creator": "minesafe",
                "CreationDate": None}
    with _LOCK, matplotlib.rc_context(style), PdfPages(buffer, metadata=metadata) as pdf:
        page = Figure(figsize=A4)
        _title_page(page, header)
        summary = by_name["summary"]
        _draw_table(page, (0.06, 0.52, 0.88, 0.35), summary, offset, max_rows=16,
                    columns=["indicator", "kind", "value", *[c.key for c in summary.columns[4:]]])
        _daily_chart(page, (0.08, 0.28, 0.86, 0.17), by_name["daily"])
        _trend_chart(page, (0.08, 0.05, 0.86, 0.17), summary, header.label)
        pdf.savefig(page)

        page = Figure(figsize=A4)
        _draw_table(page, (0.06, 0.80, 0.88, 0.15), by_name["by_grade"], offset)
        _bar_chart(page, (0.2, 0.60, 0.74, 0.15), by_name["overdue_by_area"], "按区域超期 Overdue by area")
        _draw_table(page, (0.06, 0.38, 0.42, 0.18), by_name["overdue_by_team"], offset, max_rows=10)
        _draw_table(page, (0.52, 0.38, 0.42, 0.18), by_name["overdue_by_person"], offset, max_rows=10)
        _draw_table(page, (0.06, 0.04, 0.88, 0.30), by_name["ranking_team"], offset, max_rows=14)
        pdf.savefig(page)

        page = Figure(figsize=A4)
        _draw_table(page, (0.06, 0.72, 0.88, 0.24), by_name["state_hours"], offset, max_rows=14)
        _draw_table(page, (0.06, 0.44, 0.88, 0.24), by_name["recurring"], offset, max_rows=12)
        _draw_table(page, (0.06, 0.26, 0.88, 0.14), by_name["alerts"], offset, max_rows=6)
        _draw_table(page, (0.06, 0.04, 0.88, 0.18), by_name["leading_lagging"], offset)
        pdf.savefig(page)

        page = Figure(figsize=A4)
        _draw_table(page, (0.06, 0.70, 0.88, 0.26), by_name["maintenance"], offset, max_rows=14)
        _draw_table(page, (0.06, 0.40, 0.88, 0.26), by_name["training"], offset, max_rows=14)
        _draw_table(page, (0.06, 0.20, 0.88, 0.16), by_name["proficiency"], offset, max_rows=8)
        _draw_table(page, (0.06, 0.02, 0.88, 0.14), by_name["ranking_area"], offset, max_rows=6)
        pdf.savefig(page)
    return buffer.getvalue()

