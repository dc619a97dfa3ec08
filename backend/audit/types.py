"""GraphQL types for traceability and chain verification."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from backend.accounts.types import PersonType
from backend.audit.chain import ChainProblem, ChainVerdict
from backend.responsibility.types import ListResponsible

ChainProblemType = strawberry.enum(ChainProblem, name="ChainProblem")


@strawberry.type(description="One step in a record's history and who was responsible after it.")
class TimelineEntry:
    seq: int
    at: datetime
    action: str
    actor_name: str
    actor_role: str
    reason: str | None
    before: JSON | None
    after: JSON | None
    responsible: PersonType | None
    list_responsible: list[ListResponsible] = strawberry.field(
        default_factory=list, description="who the responsibility lists in force at that moment made responsible "
                                          "for the record (hazards: for its area and level), with the list versions")


@strawberry.type
class AuditVerdict:
    ok: bool
    checked: int
    problem: ChainProblemType | None  # type: ignore[valid-type]
    seq: int | None
    detail: str | None

    @classmethod
    def from_verdict(cls, verdict: ChainVerdict) -> AuditVerdict:
        return cls(ok=verdict.ok, checked=verdict.checked, problem=verdict.problem, seq=verdict.seq,
                   detail=verdict.detail)
