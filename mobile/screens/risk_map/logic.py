"""Pure layout of the four-colour map (no Kivy): where each area's box goes and in which colour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mobile.api.risks import MapArea

COLOURS = {"RED": (0.86, 0.16, 0.16, 1), "ORANGE": (0.95, 0.55, 0.1, 1), "YELLOW": (0.95, 0.85, 0.15, 1),
           "BLUE": (0.2, 0.45, 0.9, 1), None: (0.35, 0.37, 0.42, 1)}
TEXT_ON = {"YELLOW": (0.1, 0.1, 0.1, 1)}


@dataclass(frozen=True, slots=True)
class Box:
    area_id: str
    label: str
    level: str | None
    x: float       # 0–1 of the picture's width, the box's centre
    y: float       # 0–1 of its height
    raised: int


def boxes(areas: Sequence[MapArea]) -> list[Box]:
    """The mine's areas (not districts) placed by their map positions, scaled to fill the picture with a margin;
    areas without a position are lined up along the bottom."""
    placed = [a for a in areas if a.kind != "DISTRICT" and a.x is not None and a.y is not None]
    loose = [a for a in areas if a.kind != "DISTRICT" and (a.x is None or a.y is None)]
    out: list[Box] = []
    if placed:
        xs, ys = [a.x for a in placed], [a.y for a in placed]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)  # type: ignore[type-var]
        span_x, span_y = (x1 - x0) or 1.0, (y1 - y0) or 1.0  # type: ignore[operator]
        for a in placed:
            out.append(Box(a.id, label(a), a.level, 0.17 + 0.66 * (a.x - x0) / span_x,  # type: ignore[operator]
                           0.25 + 0.6 * (a.y - y0) / span_y, a.raised))  # type: ignore[operator]
    for index, a in enumerate(loose):
        out.append(Box(a.id, label(a), a.level, (index + 0.5) / max(len(loose), 1), 0.07, a.raised))
    return out


def label(area: MapArea) -> str:
    """The code on the first line, the name (shortened) below it."""
    name = area.name if len(area.name) <= 12 else area.name[:11] + "…"
    return f"{area.code}\n{name}" if area.code else name


def counts(areas: Sequence[MapArea]) -> dict[str | None, int]:
    found: dict[str | None, int] = {}
    for a in areas:
        if a.kind != "DISTRICT":
            found[a.level] = found.get(a.level, 0) + 1
    return found
