"""traceability and verifyAuditChain."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from backend.accounts import service as accounts_service
from backend.accounts.roles import Principal, Role
from backend.accounts.types import PersonType
from backend.alerts.permissions import can_trace_alert
from backend.audit import service
from backend.audit.models import AuditEntry
from backend.audit.types import AuditVerdict, TimelineEntry
from backend.errors import NotAllowed
from backend.graphql.context import Context
from backend.responsibility.traceability import hazard_list_responsibility
from backend.responsibility.types import ListResponsible

TRACE_ROLES = (Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN, Role.TEAM_LEADER)
RESPONSIBLE_KEY = "responsible_id"

# Subjects whose history follows their own visibility rule, by audit subject_type: (session, caller, subject id)
# -> may the caller see it. A subject the caller may not see has no history for them (as one of another mine).
SubjectVisibility = Callable[[AsyncSession, Principal, str], Awaitable[bool]]
SUBJECT_VISIBILITY: Mapping[str, SubjectVisibility] = {
    "alert": can_trace_alert,
}


# Subjects whose responsibility follows from the lists in force, by subject_type: (ctx, mine, subject id, entries)
# -> for each entry, who the lists in force at its moment made responsible (responsibility.traceability).
SubjectListResponsibility = Callable[[Context, uuid.UUID, str, Sequence[AuditEntry]],
                                     Awaitable[list[list[ListResponsible]]]]
SUBJECT_LIST_RESPONSIBILITY: Mapping[str, SubjectListResponsibility] = {
    "hazard": hazard_list_responsibility,
}


@strawberry.type
class Query:
    @strawberry.field(description="A record's full history, oldest first, with who was responsible at each step.")
    async def traceability(self, info: Info[Context, None], subject_id: strawberry.ID) -> list[TimelineEntry]:
        ctx = info.context
        principal = ctx.authenticated()
        if not principal.has_any(*TRACE_ROLES):
            raise NotAllowed("traceability is for safety officers and managers")
        entries = await service.timeline(session=ctx.session, mine_id=principal.mine_id, subject_id=str(subject_id))
        for subject_type in {e.subject_type for e in entries}:
            visible = SUBJECT_VISIBILITY.get(subject_type)
            if visible is not None and not await visible(ctx.session, principal, str(subject_id)):
                return []
        responsible_ids: list[uuid.UUID | None] = []
        current: uuid.UUID | None = None
        for entry in entries:
            after = entry.after if isinstance(entry.after, dict) else {}
            if after.get(RESPONSIBLE_KEY):
                current = uuid.UUID(after[RESPONSIBLE_KEY])
            responsible_ids.append(current)
        wanted = [i for i in set(responsible_ids) if i is not None]
        people = {u.id: u for u in await accounts_service.get_many(session=ctx.session, user_ids=wanted) if u}
        by_list: list[list[ListResponsible]] = [[] for _ in entries]
        subject_types = {e.subject_type for e in entries}
        for subject_type, resolve in SUBJECT_LIST_RESPONSIBILITY.items():
            if subject_type in subject_types:
                by_list = await resolve(ctx, principal.mine_id, str(subject_id), entries)
        return [
            TimelineEntry(
                seq=e.seq, at=e.at, action=e.action, actor_name=e.actor_name, actor_role=e.actor_role,
                reason=e.reason, before=e.before, after=e.after,
                responsible=PersonType.from_model(people[r]) if r in people else None, list_responsible=listed,
            )
            for e, r, listed in zip(entries, responsible_ids, by_list, strict=True)
        ]

    @strawberry.field(description="Check the mine's audit hash chain; names the first bad entry.")
    async def verify_audit_chain(self, info: Info[Context, None]) -> AuditVerdict:
        ctx = info.context
        principal = ctx.authenticated()
        if not principal.has_any(Role.MINE_MANAGER, Role.ADMIN):
            raise NotAllowed("audit verification is for mine managers")
        return AuditVerdict.from_verdict(await service.verify_chain(session=ctx.session, mine_id=principal.mine_id))
