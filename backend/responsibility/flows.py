"""Drafting, publishing and withdrawing responsibility lists, each step audited in the mine's chain.

Publishing a draft gives it the holder's next version number and supersedes the version in force at the
same instant, so at any moment at most one version per holder is in force.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Device, User
from backend.accounts.roles import Principal, Role
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.org import rules as org_rules
from backend.org import service as org_service
from backend.org.models import Area, Post
from backend.responsibility import rules, service
from backend.responsibility.models import HolderKind, ListState, ResponsibilityItem, ResponsibilityList, SubjectKind
from backend.risks import flows as risk_flows
from backend.validation import clean_text

logger = logging.getLogger(__name__)
MAX_DUTIES = 8000
MAX_ITEMS = 500
MANAGE_ROLES = (Role.ADMIN, Role.MINE_MANAGER)


def snapshot(lst: ResponsibilityList, items: Sequence[ResponsibilityItem]) -> dict[str, object]:
    content = service.content_of(lst, items)
    return {"holder": lst.holder_key, "state": lst.state, "version": lst.version, "duties": lst.duties,
            "hazard_levels": sorted(content.hazard_levels), "areas": sorted(content.areas),
            "devices": sorted(content.devices), "risk_points": sorted(content.risk_points)}


async def _holder_unit(session: AsyncSession, actor: Principal, kind: HolderKind, holder_id: uuid.UUID
                       ) -> uuid.UUID | None:
    """The holder's unit (a post's unit, a person's area); NotFound for a holder of another mine."""
    if kind is HolderKind.POST:
        post = await session.get(Post, holder_id)
        if post is None or post.mine_id != actor.mine_id:
            raise NotFound("no such post in your mine")
        if post.retired_at is not None:
            raise InvalidTransition("the post is retired", current_state="RETIRED")
        return post.unit_id
    person = await session.get(User, holder_id)
    if person is None or person.mine_id != actor.mine_id:
        raise NotFound("no such person in your mine")
    return person.area_id


async def _may_manage(session: AsyncSession, actor: Principal, unit_id: uuid.UUID | None) -> None:
    """Admins and mine managers manage every list; an area manager those of holders within their district."""
    if actor.has_any(*MANAGE_ROLES):
        return
    if actor.has_any(Role.AREA_MANAGER) and actor.area_id is not None and unit_id is not None:
        parents = await org_service.unit_parents(session=session, mine_id=actor.mine_id)
        if org_rules.within(parents, unit_id, actor.area_id):
            return
    raise NotAllowed("only an admin, a mine manager, or the area manager of the holder's district manages "
                          "this responsibility list")


async def create_draft(session: AsyncSession, *, actor: Principal, holder_kind: HolderKind,
                       holder_id: uuid.UUID) -> ResponsibilityList:
    """A new draft for a holder, starting from the version in force (or empty); one draft per holder at a time."""
    await lock_mine(session, actor.mine_id)
    await _may_manage(session, actor, await _holder_unit(session, actor, holder_kind, holder_id))
    key = service.holder_key(holder_kind, holder_id)
    existing = await service.versions(session=session, mine_id=actor.mine_id, key=key)
    if any(v.state is ListState.DRAFT for v in existing):
        raise InvalidTransition("this holder already has a draft; edit or withdraw it", current_state="DRAFT")
    published = next((v for v in existing if v.state is ListState.PUBLISHED), None)
    draft = ResponsibilityList(
        mine_id=actor.mine_id, holder_kind=holder_kind, holder_key=key, state=ListState.DRAFT,
        post_id=holder_id if holder_kind is HolderKind.POST else None,
        user_id=holder_id if holder_kind is HolderKind.PERSON else None,
        duties=published.duties if published else "",
        hazard_levels=list(published.hazard_levels) if published else [], created_by_id=actor.id)
    session.add(draft)
    await session.flush()
    if published is not None:
        copied = (await service.items_of(session=session, list_ids=[published.id]))[published.id]
        session.add_all(ResponsibilityItem(list_id=draft.id, subject_kind=i.subject_kind, subject_id=i.subject_id,
                                           note=i.note) for i in copied)
        await session.flush()
    items = (await service.items_of(session=session, list_ids=[draft.id]))[draft.id]
    await record_audit(session, actor=actor, action="responsibility.drafted", subject_type="responsibility_list",
                       subject_id=draft.id, after=snapshot(draft, items))
    return draft


async def _draft(session: AsyncSession, actor: Principal, list_id: uuid.UUID) -> ResponsibilityList:
    lst = await service.get(session=session, list_id=list_id)
    if lst is None or lst.mine_id != actor.mine_id:
        raise NotFound("no such responsibility list in your mine")
    holder = lst.post_id or lst.user_id
    assert holder is not None
    await _may_manage(session, actor, await _holder_unit(session, actor, lst.holder_kind, holder))
    if lst.state is not ListState.DRAFT:
        raise InvalidTransition("only a draft can change; draft a new version", current_state=lst.state.value)
    return lst


async def _check_subjects(session: AsyncSession, actor: Principal, model: type[Area] | type[Device],
                          ids: Sequence[uuid.UUID], field: str) -> None:
    if not ids:
        return
    found = await session.scalar(select(func.count()).select_from(model).where(
        model.id.in_(set(ids)), model.mine_id == actor.mine_id))
    if found != len(set(ids)):
        raise ValidationFailed(f"some of the {field} are not in your mine", field=field)


async def update_draft(session: AsyncSession, *, actor: Principal, list_id: uuid.UUID, duties: str,
                       hazard_levels: Sequence[str], area_ids: Sequence[uuid.UUID], device_ids: Sequence[uuid.UUID],
                       risk_point_ids: Sequence[str]) -> ResponsibilityList:
    """Replace what a draft says (duties, levels, areas, devices, risk points)."""
    await lock_mine(session, actor.mine_id)
    lst = await _draft(session, actor, list_id)
    text = clean_text(duties, "duties", limit=MAX_DUTIES) or ""
    levels = sorted(set(hazard_levels))
    if any(level not in rules.HAZARD_LEVELS for level in levels):
        raise ValidationFailed(f"hazard levels are {', '.join(rules.HAZARD_LEVELS)}", field="hazardLevels")
    if len(area_ids) + len(device_ids) + len(risk_point_ids) > MAX_ITEMS:
        raise ValidationFailed(f"a list names at most {MAX_ITEMS} areas, devices and risk points",
                                    field="areaIds")
    await _check_subjects(session, actor, Area, area_ids, "areaIds")
    await _check_subjects(session, actor, Device, device_ids, "deviceIds")
    await risk_flows.check_point_ids(session, mine_id=actor.mine_id, ids=risk_point_ids, field="riskPointIds")
    risk_points = sorted({str(uuid.UUID(r)) for r in risk_point_ids})
    old = (await service.items_of(session=session, list_ids=[lst.id]))[lst.id]
    before = snapshot(lst, old)
    for item in old:
        await session.delete(item)  # a draft's items are its working copy; published versions never change
    await session.flush()
    lst.duties, lst.hazard_levels = text, levels
    wanted = ([(SubjectKind.AREA, str(i)) for i in sorted(set(area_ids))]
              + [(SubjectKind.DEVICE, str(i)) for i in sorted(set(device_ids))]
              + [(SubjectKind.RISK_POINT, r) for r in risk_points])
    session.add_all(ResponsibilityItem(list_id=lst.id, subject_kind=k, subject_id=s) for k, s in wanted)
    await session.flush()
    items = (await service.items_of(session=session, list_ids=[lst.id]))[lst.id]
    after = snapshot(lst, items)
    if after != before:
        await record_audit(session, actor=actor, action="responsibility.edited", subject_type="responsibility_list",
                           subject_id=lst.id, before=before, after=after)
    return lst


async def publish(session: AsyncSession, *, actor: Principal, list_id: uuid.UUID) -> ResponsibilityList:
    """The draft becomes the holder's next version, in force from now; the previous version is superseded."""
    await lock_mine(session, actor.mine_id)
    lst = await _draft(session, actor, list_id)
    items = (await service.items_of(session=session, list_ids=[lst.id]))[lst.id]
    if not lst.duties.strip():
        raise ValidationFailed("a published list states the holder's duties", field="duties")
    now = utcnow()
    versions = await service.versions(session=session, mine_id=lst.mine_id, key=lst.holder_key)
    previous = next((v for v in versions if v.state is ListState.PUBLISHED), None)
    if previous is not None:
        prev_before = snapshot(previous, ())
        previous.state, previous.superseded_at = ListState.SUPERSEDED, now
        await record_audit(session, actor=actor, action="responsibility.superseded",
                           subject_type="responsibility_list", subject_id=previous.id,
                           before={"state": prev_before["state"], "version": previous.version},
                           after={"state": previous.state, "version": previous.version, "superseded_by": lst.id})
    before = snapshot(lst, items)
    lst.version = max((v.version or 0 for v in versions), default=0) + 1
    lst.state, lst.published_at, lst.published_by_id = ListState.PUBLISHED, now, actor.id
    await session.flush()
    await record_audit(session, actor=actor, action="responsibility.published", subject_type="responsibility_list",
                       subject_id=lst.id, before=before, after=snapshot(lst, items))
    logger.info("responsibility list %s published as version %s", lst.holder_key, lst.version)
    return lst


async def withdraw(session: AsyncSession, *, actor: Principal, list_id: uuid.UUID) -> ResponsibilityList:
    """Drop a draft without publishing it (kept, as WITHDRAWN)."""
    await lock_mine(session, actor.mine_id)
    lst = await _draft(session, actor, list_id)
    lst.state = ListState.WITHDRAWN
    await session.flush()
    await record_audit(session, actor=actor, action="responsibility.withdrawn", subject_type="responsibility_list",
                       subject_id=lst.id, before={"state": ListState.DRAFT}, after={"state": lst.state})
    return lst
