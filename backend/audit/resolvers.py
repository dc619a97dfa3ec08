"""traceability and verifyAuditChain."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from backend.accounts import service as accounts_service
from backend.accounts.roles import Principal, Role
from backend.accounts.types import PersonType
from backend.alerts.permissions import can_trace_alert
from backend.audit import service
from backend.audit.types import AuditVerdict, TimelineEntry
from backend.graphql.context import Context
from backend.graphql.errors import ClientError

TRACE_ROLES = (Role.SAFETY_OFFICER, Role.AREA_MANAGER, Role.MINE_MANAGER, Role.ADMIN, Role.TEAM_LEADER)
RESPONSIBLE_KEY = "responsible_id"

# Subjects whose history follows their own visibility rule, by audit subject_type: (session, caller, subject id)
# -> may the caller see it. A subject the caller may not see has no history for them (as one of another mine).
SubjectVisibility = Callable[[AsyncSession, Principal, str], Awaitable[bool]]
SUBJECT_VISIBILITY: Mapping[str, SubjectVisibility] = {
    "alert": can_trace_alert,
}


@strawberry.type
class Query:
    @strawberry.field(description="A record's full history, oldest first, with who was responsible at each step.")
    async def traceability(self, info: Info[Context, None], subject_id: strawberry.ID) -> list[TimelineEntry]:
        ctx = info.context
        principal = ctx.authenticated()
        if not principal.has_any(*TRACE_ROLES):
            raise ClientError("traceability is for safety officers and managers", "FORBIDDEN")
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
        return [
            TimelineEntry(
                seq=e.seq, at=e.at, action=e.action, actor_name=e.actor_name, actor_role=e.actor_role,
                reason=e.reason, before=e.before, after=e.after,
                responsible=PersonType.from_model(people[r]) if r in people else None,
            )
            for e, r in zip(entries, responsible_ids, strict=True)
        ]

    @strawberry.field(description="Check the mine's audit hash chain; names the first bad entry.")
    async def verify_audit_chain(self, info: Info[Context, None]) -> AuditVerdict:
        ctx = info.context
        principal = ctx.authenticated()
        if not principal.has_any(Role.MINE_MANAGER, Role.ADMIN):
            raise ClientError("audit verification is for mine managers", "FORBIDDEN")
        return AuditVerdict.from_verdict(await service.verify_chain(session=ctx.session, mine_id=principal.mine_id))
