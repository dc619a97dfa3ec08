"""Who answers for a risk point: the responsibility lists in force that name it, and its measures' post holders."""

from __future__ import annotations

import uuid

from backend.accounts import service as accounts_service
from backend.accounts.types import PersonType
from backend.database.base import utcnow
from backend.graphql.context import Context
from backend.org import service as org_service
from backend.responsibility import service as responsibility_service
from backend.responsibility.models import SubjectKind
from backend.risks import service
from backend.risks.models import RiskPoint


async def responsible(ctx: Context, point: RiskPoint) -> list:  # type: ignore[type-arg]
    """Lists first (by holder), then measure posts; each person once, with the first reason found."""
    from backend.risks.types import RiskResponsibleType

    session, now = ctx.session, utcnow()
    lists = await responsibility_service.in_force(session=session, mine_id=point.mine_id, at=now)
    items = await responsibility_service.items_of(session=session, list_ids=[lst.id for lst in lists]) if lists else {}
    naming = [lst for lst in lists if any(i.subject_kind is SubjectKind.RISK_POINT and i.subject_id == str(point.id)
                                          for i in items.get(lst.id, []))]
    (measures,) = await service.measures_by_point(session, [point.id])
    post_ids = {lst.post_id for lst in naming if lst.post_id} | {m.responsible_post_id for m in measures}
    holders = await org_service.holders_at(session=session, post_ids=list(post_ids), at=now) if post_ids else {}
    posts = {p.id: p for p in await org_service.list_posts(session=session, mine_id=point.mine_id,
                                                           include_retired=True)}
    found: list[tuple[uuid.UUID, str, uuid.UUID | None, int | None]] = []
    for lst in sorted(naming, key=lambda x: x.holder_key):
        people = [lst.user_id] if lst.user_id else holders.get(lst.post_id, []) if lst.post_id else []
        found += [(u, "LIST", lst.post_id, lst.version) for u in people if u]
    for measure in measures:
        post_id = measure.responsible_post_id
        found += [(u, "MEASURE", post_id, None) for u in holders.get(post_id, [])]
    users = {u.id: u for u in await accounts_service.get_many(session=session, user_ids=list({f[0] for f in found}))
             if u is not None}
    out, seen = [], set()
    for user_id, via, post_id, version in found:
        if user_id in seen or user_id not in users:
            continue
        seen.add(user_id)
        post = posts.get(post_id) if post_id else None
        out.append(RiskResponsibleType(person=PersonType.from_model(users[user_id]), via=via,
                                       post_name=post.name if post else None, list_version=version))
    return out
