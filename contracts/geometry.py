"""Zone geometry checks: the one definition of a usable danger-zone polygon (the server refuses exactly the
polygons the vision worker could not use)."""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]
MAX_POLYGON_POINTS = 256


def _orientation(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _on_segment(a: Point, b: Point, p: Point) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def segments_intersect(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """Whether segment p1-p2 touches segment q1-q2 (collinear overlaps included)."""
    d1, d2 = _orientation(q1, q2, p1), _orientation(q1, q2, p2)
    d3, d4 = _orientation(p1, p2, q1), _orientation(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _on_segment(q1, q2, p1))
        or (d2 == 0 and _on_segment(q1, q2, p2))
        or (d3 == 0 and _on_segment(p1, p2, q1))
        or (d4 == 0 and _on_segment(p1, p2, q2))
    )


def polygon_area(points: Sequence[Point]) -> float:
    """Unsigned area (shoelace)."""
    total = 0.0
    for i, (x1, y1) in enumerate(points):
        x2, y2 = points[(i + 1) % len(points)]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2.0


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Ray casting; points on the boundary count as inside."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        a, b = polygon[i], polygon[(i + 1) % n]
        if _orientation(a, b, point) == 0 and _on_segment(a, b, point):
            return True
        if (a[1] > y) != (b[1] > y):
            x_cross = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if x < x_cross:
                inside = not inside
    return inside


def polygon_problem(points: Sequence[Point], width: float, height: float) -> str | None:
    """Why `points` is not a usable simple polygon inside a width × height frame, or None."""
    if len(points) < 3:
        return f"a polygon needs at least 3 points, got {len(points)}"
    if len(points) > MAX_POLYGON_POINTS:
        return f"a polygon may have at most {MAX_POLYGON_POINTS} points, got {len(points)}"
    for i, (x, y) in enumerate(points):
        if not (math.isfinite(x) and math.isfinite(y)):
            return f"point {i} is not a finite number"
        if not (0 <= x <= width and 0 <= y <= height):
            return f"point {i} ({x:g}, {y:g}) lies outside the {width:g}×{height:g} frame"
    n = len(points)
    for i in range(n):
        if points[i] == points[(i + 1) % n]:
            return f"points {i} and {(i + 1) % n} are the same"
    for i in range(n):
        a, b = points[i], points[(i + 1) % n]
        for j in range(i + 1, n):
            if j == i or (j + 1) % n == i or j == (i + 1) % n:
                continue  # neighbouring edges share a vertex
            c, d = points[j], points[(j + 1) % n]
            if segments_intersect(a, b, c, d):
                return (f"the polygon intersects itself "
                        f"(edge {i}-{(i + 1) % n} crosses edge {j}-{(j + 1) % n})")
    if polygon_area(points) <= 1e-9 * width * height:
        return "the polygon has no area (its points are on one line)"
    return None
