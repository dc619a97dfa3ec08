"""Pure rules of the organisation: the unit tree, codes, and who may change which unit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
MAX_NAME = 200


class TreeError(ValueError):
    """A move that would break the tree (a cycle, or a unit under itself)."""


def ancestors(parents: Mapping[uuid.UUID, uuid.UUID | None], unit_id: uuid.UUID) -> list[uuid.UUID]:
    """The unit's parents, nearest first, up to the mine (a corrupt cycle stops the walk, never loops)."""
    chain: list[uuid.UUID] = []
    seen = {unit_id}
    current = parents.get(unit_id)
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = parents.get(current)
    return chain


def check_move(parents: Mapping[uuid.UUID, uuid.UUID | None], unit_id: uuid.UUID,
               new_parent_id: uuid.UUID | None) -> None:
    """Refuse a move that would put the unit under itself or one of its descendants."""
    if new_parent_id is None:
        return
    if new_parent_id == unit_id:
        raise TreeError("a unit cannot be its own parent")
    if unit_id in ancestors(parents, new_parent_id):
        raise TreeError("a unit cannot move under one of its own descendants (that would make a cycle)")


def within(parents: Mapping[uuid.UUID, uuid.UUID | None], unit_id: uuid.UUID | None, root_id: uuid.UUID) -> bool:
    """Whether the unit is the root or lies below it."""
    if unit_id is None:
        return False
    return unit_id == root_id or root_id in ancestors(parents, unit_id)


def neutralise_cell(value: object) -> object:
    """A cell safe for spreadsheets: text starting with = + - @ (or a tab / carriage return) gets a leading '.

    Applied to every CSV and XLSX export, so a name like "=HYPERLINK(…)" is shown, never evaluated.
    """
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
