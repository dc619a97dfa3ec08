"""Pure formatting of positioning for the screens (no Kivy): an area's occupancy, an alert's evacuation list."""

from __future__ import annotations

from collections.abc import Callable

from mobile.api.positioning import Evacuation, Occupancy
from mobile.ui.format import local_time

Translate = Callable[..., str]
OVER_COLOUR = (0.75, 0.16, 0.12, 1)
WITHIN_COLOUR = (0.16, 0.45, 0.25, 1)
NO_LIMIT_COLOUR = (0.25, 0.3, 0.38, 1)


def occupancy_count(occupancy: Occupancy, t: Translate) -> str:
    """"3 / 4 people" (or "3 people" without a limit), and "over the limit" past it."""
    if occupancy.limit is None:
        return t("people.count_no_limit", n=occupancy.count)
    text = t("people.count", n=occupancy.count, limit=occupancy.limit)
    return f"{text} · {t('people.over')}" if occupancy.over_limit else text


def occupancy_colour(occupancy: Occupancy) -> tuple[float, float, float, float]:
    if occupancy.limit is None:
        return NO_LIMIT_COLOUR
    return OVER_COLOUR if occupancy.over_limit else WITHIN_COLOUR


def occupancy_names(occupancy: Occupancy, t: Translate) -> str:
    """One line a person, longest there first, with the time they came in."""
    if not occupancy.people:
        return t("people.nobody")
    return "\n".join(t("people.person", name=p.name, since=local_time(p.since) if p.since else "?")
                     for p in occupancy.people)


def evacuation_summary(evacuation: Evacuation, t: Translate) -> str:
    return t("evacuation.summary", total=evacuation.total, safe=evacuation.safe, remaining=evacuation.remaining)


def evacuation_lines(evacuation: Evacuation, t: Translate) -> str:
    """Those not yet safe first (as the server orders them): name, where last seen, safe or not."""
    if not evacuation.people:
        return t("evacuation.nobody")
    lines = []
    for person in evacuation.people:
        mark = "√" if person.safe else "×"  # glyphs the bundled CJK font has
        state = t("evacuation.safe") if person.safe else t("evacuation.not_safe")
        where = person.last_area or person.start_area or "?"
        lines.append(t("evacuation.person", mark=mark, name=person.name, state=state, where=where))
    return "\n".join(lines)
