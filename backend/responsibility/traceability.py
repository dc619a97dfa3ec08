"""Who the lists in force at each audit entry's moment made responsible for a record (for `traceability`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from backend.audit.models import AuditEntry
from backend.graphql.context import Context
from backend.hazards.models import Hazard
from backend.responsibility.resolvers import list_responsible
from backend.responsibility.types import ListResponsible


async def hazard_list_responsibility(ctx: Context, mine_id: uuid.UUID, subject_id: str,
                                     entries: Sequence[AuditEntry]) -> list[list[ListResponsible]]:
    """For each entry of a hazard's history: the people the lists in force then named for the hazard's area and
    level as they stood after that entry (the grade and level known by then, else the hazard's own)."""
    try:
        hazard = await ctx.session.get(Hazard, uuid.UUID(subject_id))
    except ValueError:
        return [[] for _ in entries]
    if hazard is None or hazard.mine_id != mine_id:
        return [[] for _ in entries]
    area_id, grade, level = hazard.area_id, None, None
    result: list[list[ListResponsible]] = []
    for entry in entries:
        after = entry.after if isinstance(entry.after, dict) else {}
        area_id = uuid.UUID(after["area_id"]) if after.get("area_id") else area_id
        grade = after.get("grade") or grade
        level = after.get("level") or level
        known_grade = grade or (hazard.suggested_grade.value if hazard.suggested_grade else None)
        result.append(await list_responsible(ctx, mine_id, area_id, known_grade, level, entry.at))
    return result
