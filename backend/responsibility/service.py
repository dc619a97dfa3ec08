"""Reading responsibility lists: by holder, in force at a moment, and who they make responsible."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.org import service as org_service
from backend.responsibility import rules
from backend.responsibility.models import HolderKind, ListState, ResponsibilityItem, ResponsibilityList, SubjectKind


def holder_key(kind: HolderKind, holder_id: uuid.UUID) -> str:
    return f"{kind.value.lower()}:{holder_id}"


async def get(*, session: AsyncSession, list_id: uuid.UUID) -> ResponsibilityList | None:
    return await session.get(ResponsibilityList, list_id)


async def items_of(*, session: AsyncSession, list_ids: Sequence[uuid.UUID]
                   ) -> dict[uuid.UUID, list[ResponsibilityItem]]:
    rows = await session.scalars(select(ResponsibilityItem).where(ResponsibilityItem.list_id.in_(set(list_ids)))
                                 .order_by(ResponsibilityItem.subject_kind, ResponsibilityItem.subject_id))
    found: dict[uuid.UUID, list[ResponsibilityItem]] = {i: [] for i in list_ids}
    for item in rows:
        found[item.list_id].append(item)
    return found


def content_of(lst: ResponsibilityList, items: Sequence[ResponsibilityItem]) -> rules.ListContent:
    by_kind: dict[SubjectKind, set[str]] = {k: set() for k in SubjectKind}
    for item in items:
        by_kind[item.subject_kind].add(item.subject_id)
    return rules.ListContent(duties=lst.duties, hazard_levels=frozenset(lst.hazard_levels or ()),
                             areas=frozenset(by_kind[SubjectKind.AREA]), devices=frozenset(by_kind[SubjectKind.DEVICE]),
                             risk_points=frozenset(by_kind[SubjectKind.RISK_POINT]))


async def versions(*, session: AsyncSession, mine_id: uuid.UUID, key: str) -> Sequence[ResponsibilityList]:
    """Every list of a holder, newest first (drafts first of all)."""
    rows = await session.scalars(select(ResponsibilityList).where(
        ResponsibilityList.mine_id == mine_id, ResponsibilityList.holder_key == key)
        .order_by(ResponsibilityList.version.desc().nulls_first(), ResponsibilityList.created_at.desc()))
    return rows.all()


async def lists(*, session: AsyncSession, mine_id: uuid.UUID, states: Sequence[ListState] | None = None,
                post_ids: Sequence[uuid.UUID] | None = None, user_ids: Sequence[uuid.UUID] | None = None
                ) -> Sequence[ResponsibilityList]:
    query = select(ResponsibilityList).where(ResponsibilityList.mine_id == mine_id)
    if states:
        query = query.where(ResponsibilityList.state.in_(states))
    holders = []
    if post_ids is not None:
        holders.append(ResponsibilityList.post_id.in_(set(post_ids)))
    if user_ids is not None:
        holders.append(ResponsibilityList.user_id.in_(set(user_ids)))
    if holders:
        query = query.where(or_(*holders))
    return (await session.scalars(query.order_by(ResponsibilityList.holder_key,
                                                 ResponsibilityList.version.desc().nulls_first()))).all()


async def in_force(*, session: AsyncSession, mine_id: uuid.UUID, at: datetime) -> Sequence[ResponsibilityList]:
    """The versions in force at a moment: published by then and not yet superseded."""
    rows = await session.scalars(select(ResponsibilityList).where(
        ResponsibilityList.mine_id == mine_id, ResponsibilityList.published_at.is_not(None),
        ResponsibilityList.published_at <= at,
        or_(ResponsibilityList.superseded_at.is_(None), ResponsibilityList.superseded_at > at),
        ResponsibilityList.state.in_((ListState.PUBLISHED, ListState.SUPERSEDED))))
    return rows.all()


@dataclass(frozen=True, slots=True)
class Responsible:
    """A person made responsible by a list version (through their post, or by name)."""

    user_id: uuid.UUID
    list_id: uuid.UUID
    version: int
    holder_kind: HolderKind
    post_id: uuid.UUID | None
    unit_id: uuid.UUID


ChainKey = tuple[uuid.UUID, uuid.UUID, str | None, str | None]
"""(mine, area, hazard grade, hazard level): what a chain of responsibility is asked for."""


async def chain_for(*, session: AsyncSession, mine_id: uuid.UUID, area_id: uuid.UUID, grade: str | None,
                    level: str | None, at: datetime) -> list[list[Responsible]]:
    """Who the lists in force at `at` make responsible for a hazard in an area, step by step upward: the area's own
    lists first, then its district's, and so on (units no list answers for are skipped). Person lists name their
    person; post lists name whoever held the post at that moment."""
    return (await chains_for(session=session, keys=[(mine_id, area_id, grade, level)], at=at))[0]


async def chains_for(*, session: AsyncSession, keys: Sequence[ChainKey], at: datetime
                     ) -> list[list[list[Responsible]]]:
    """chain_for for many keys at one moment, in a fixed number of queries per mine (for DataLoaders)."""
    found: dict[int, list[tuple[uuid.UUID, list[ResponsibilityList]]]] = {}
    for mine_id in {k[0] for k in keys}:
        current = await in_force(session=session, mine_id=mine_id, at=at)
        if not current:
            continue
        items = await items_of(session=session, list_ids=[lst.id for lst in current])
        contents = [(lst, content_of(lst, items[lst.id])) for lst in current]
        parents = await org_service.unit_parents(session=session, mine_id=mine_id)
        for index, (key_mine, area_id, grade, level) in enumerate(keys):
            if key_mine == mine_id:
                steps = rules.first_answering(rules.upward_units(area_id, parents), contents,
                                              rules.hazard_level_key(grade, level))
                found[index] = [(unit, [lst for lst in lists if isinstance(lst, ResponsibilityList)])
                                for unit, lists in steps]
    post_ids = [lst.post_id for steps in found.values() for _, lists in steps for lst in lists if lst.post_id]
    holders = await org_service.holders_at(session=session, post_ids=post_ids, at=at) if post_ids else {}
    return [_chain(found.get(index, []), holders) for index in range(len(keys))]


def _chain(steps: list[tuple[uuid.UUID, list[ResponsibilityList]]], holders: dict[uuid.UUID, list[uuid.UUID]]
           ) -> list[list[Responsible]]:
    chain: list[list[Responsible]] = []
    for unit, lists in steps:
        people: list[Responsible] = []
        seen: set[uuid.UUID] = set()
        for lst in sorted(lists, key=lambda x: (x.holder_kind is not HolderKind.PERSON, x.holder_key)):
            assert lst.version is not None
            user_ids = [lst.user_id] if lst.user_id else holders.get(lst.post_id, []) if lst.post_id else []
            for user_id in user_ids:
                if user_id is not None and user_id not in seen:
                    seen.add(user_id)
                    people.append(Responsible(user_id=user_id, list_id=lst.id, version=lst.version,
                                              holder_kind=lst.holder_kind, post_id=lst.post_id, unit_id=unit))
        if people:
            chain.append(people)
    return chain


async def duties_of(*, session: AsyncSession, mine_id: uuid.UUID, user_id: uuid.UUID, post_id: uuid.UUID | None
                    ) -> Sequence[ResponsibilityList]:
    """The published lists a person answers by: their own and their post's."""
    holder = [ResponsibilityList.user_id == user_id]
    if post_id is not None:
        holder.append(ResponsibilityList.post_id == post_id)
    rows = await session.scalars(select(ResponsibilityList).where(
        and_(ResponsibilityList.mine_id == mine_id, ResponsibilityList.state == ListState.PUBLISHED, or_(*holder))))
    return rows.all()
