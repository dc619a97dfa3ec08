"""Pure dashboard logic: the tiles, how a value reads, a trend line's geometry, last month's label."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class TileSpec:
    code: str
    read: Callable[[dict[str, Any]], float | None]
    rate: bool
    higher_is_better: bool = True
    figure: str | None = None   # the kpiHazards figure a tap drills into; None: not about hazards
    good: float | None = None   # at or past this the tile is green, else amber (red: the worst way off)


TILES: tuple[TileSpec, ...] = (
    TileSpec("close_out", lambda k: k.get("closeOutRate"), True, figure="OPEN", good=0.9),
    TileSpec("on_time", lambda k: k.get("onTimeRate"), True, figure="CLOSED_LATE", good=0.9),
    TileSpec("overdue", lambda k: k.get("overdue"), False, higher_is_better=False, figure="OVERDUE", good=0),
    TileSpec("reported", lambda k: k.get("reported"), False, figure="REPORTED"),
    TileSpec("warning_accuracy", lambda k: (k.get("alerts") or {}).get("warningAccuracy"), True, good=0.8),
    TileSpec("sensor_online", lambda k: k.get("sensorOnlineRate"), True, good=0.98),
    TileSpec("maintenance", lambda k: k.get("maintenanceCompliance"), True, good=1.0),
    TileSpec("exam_pass", lambda k: k.get("examPassRate"), True, good=0.9),
)
GOOD, WATCH, BAD, NONE = "good", "watch", "bad", "none"


def reading(value: float | None, rate: bool) -> str:
    if value is None:
        return "—"
    if rate:
        return f"{value * 100:.1f}%" if value < 1 else "100%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def status(spec: TileSpec, value: float | None) -> str:
    """good / watch / bad / none: how a tile is coloured."""
    if value is None or spec.good is None:
        return NONE
    if spec.higher_is_better:
        return GOOD if value >= spec.good else WATCH if value >= spec.good * 0.8 else BAD
    return GOOD if value <= spec.good else WATCH if value <= spec.good + 2 else BAD


def change(values: Sequence[float | None], rate: bool) -> str:
    """The change from the previous period: '+5.0 pts', '−2', '' when either is missing."""
    if len(values) < 2 or values[-1] is None or values[-2] is None:
        return ""
    delta = values[-1] - values[-2]  # type: ignore[operator]
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"{sign}{abs(delta) * 100:.1f} pts" if rate else f"{sign}{abs(delta):g}"


def tiles(trend: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One tile per KPI: this period's value, its trend (oldest first) and its status."""
    found = []
    for spec in TILES:
        values = [spec.read(k) for k in trend]
        last = values[-1] if values else None
        found.append({"code": spec.code, "value": reading(last, spec.rate), "values": values,
                      "status": status(spec, last), "change": change(values, spec.rate), "figure": spec.figure,
                      "labels": [k["period"]["label"] for k in trend]})
    return found


def trend_segments(values: Sequence[float | None], width: float, height: float, *, rate: bool = False
                   ) -> list[list[float]]:
    """The polyline(s) of a trend, x then y in a width × height box; a missing value breaks the line.

    Rates are drawn on 0..1; counts from 0 to their largest value (a flat line at the middle when all equal 0).
    """
    if not values:
        return []
    top = 1.0 if rate else max([v for v in values if v is not None] or [0.0])
    step = width / (len(values) - 1) if len(values) > 1 else 0.0
    segments: list[list[float]] = []
    current: list[float] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        y = (min(value, top) / top) * height if top > 0 else height / 2
        current.extend([i * step if len(values) > 1 else width / 2, y])
    if current:
        segments.append(current)
    return segments


def previous_month(now: datetime) -> str:
    """The last finished month (the assessment's) in local time: 2026-11 in December 2026."""
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def ranking_rows(ranking: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not ranking:
        return []
    rows = []
    for score in ranking["scores"]:
        lost = score.get("lostOn") or []
        rows.append({"unit_id": score["unit"]["id"], "name": score["unit"]["name"], "rank": score["rank"],
                     "score": "—" if score["score"] is None else f"{score['score']:.1f}",
                     "lost": [(x["indicator"], x["lost"]) for x in lost[:2]]})
    return rows
