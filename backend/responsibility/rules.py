"""Pure rules of responsibility lists: which lists answer for a hazard, the upward chain, and version diffs."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

HAZARD_LEVELS = ("MAJOR", "A", "B", "C")


@dataclass(frozen=True, slots=True)
class ListContent:
    """What a list version says, as plain data."""

    duties: str
    hazard_levels: frozenset[str]
    areas: frozenset[str] = field(default_factory=frozenset)
    devices: frozenset[str] = field(default_factory=frozenset)
    risk_points: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class ListDiff:
    duties_changed: bool
    duties_before: str
    duties_after: str
    added: dict[str, list[str]]
    removed: dict[str, list[str]]

    @property
    def empty(self) -> bool:
        return not self.duties_changed and not any(self.added.values()) and not any(self.removed.values())


def diff(before: ListContent, after: ListContent) -> ListDiff:
    """What changed from one version to another: duties text, and each kind of subject added or removed."""
    kinds = ("areas", "devices", "risk_points", "hazard_levels")
    added = {k: sorted(getattr(after, k) - getattr(before, k)) for k in kinds}
    removed = {k: sorted(getattr(before, k) - getattr(after, k)) for k in kinds}
    return ListDiff(duties_changed=before.duties != after.duties, duties_before=before.duties,
                    duties_after=after.duties, added=added, removed=removed)


def hazard_level_key(grade: str | None, level: str | None) -> str | None:
    """A hazard's key in a list's hazard levels: MAJOR for a major hazard, else its level A/B/C."""
    if grade == "MAJOR":
        return "MAJOR"
    return level


def answers_for(content: ListContent, area_id: str, level_key: str | None) -> bool:
    """Whether a list answers for a hazard in an area at a level (a list without levels answers for every one)."""
    if area_id not in content.areas:
        return False
    return not content.hazard_levels or level_key is None or level_key in content.hazard_levels


def upward_units(area_id: uuid.UUID, parents: Mapping[uuid.UUID, uuid.UUID | None]) -> list[uuid.UUID]:
    """The area and its districts, nearest first: the steps escalation walks before the mine managers."""
    from backend.org.rules import ancestors

    return [area_id, *ancestors(parents, area_id)]


def first_answering(units: Sequence[uuid.UUID], lists: Sequence[tuple[object, ListContent]],
                    level_key: str | None) -> list[tuple[uuid.UUID, list[object]]]:
    """For each unit up the chain, the lists that answer for it (units no list answers for are skipped)."""
    steps: list[tuple[uuid.UUID, list[object]]] = []
    for unit in units:
        found = [key for key, content in lists if answers_for(content, str(unit), level_key)]
        if found:
            steps.append((unit, found))
    return steps
