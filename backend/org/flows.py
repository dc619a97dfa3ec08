"""Audited changes to the organisation: mines and their settings, units, teams, posts, post holdings.

Every change takes the mine's lock first (so two concurrent moves cannot make a cycle between them) and writes
its audit entry in the same transaction; nothing is deleted, units, teams and posts are retired.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.roles import Principal, Role
from backend.audit.flows import record_audit
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from backend.org import rules, service, settings
from backend.org.models import Area, AreaKind, Mine, PersonRecord, Post, PostHolding, Team
from backend.validation import clean_text

logger = logging.getLogger(__name__)


def _name(value: str, field: str = "name") -> str:
    cleaned = clean_text(value, field, required=True, limit=rules.MAX_NAME, multiline=False)
    assert cleaned is not None
    return cleaned


def _code(value: str | None, field: str = "code", *, required: bool = False) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise ValidationFailed(f"{field} is required", field=field)
        return None
    if not rules.CODE.fullmatch(cleaned):
        raise ValidationFailed("a code is 1 to 32 letters, digits, '.', '_' or '-', starting with a letter "
                                    "or digit", field=field)
    return cleaned


def unit_snapshot(area: Area) -> dict[str, object]:
    return {"code": area.code, "name": area.name, "kind": area.kind, "parent_id": area.parent_id,
            "map_x": area.map_x, "map_y": area.map_y, "manager_id": area.manager_id,
            "retired": area.retired_at is not None}


def team_snapshot(team: Team) -> dict[str, object]:
    return {"code": team.code, "name": team.name, "unit_id": team.area_id, "leader_id": team.leader_id,
            "retired": team.retired_at is not None}


def post_snapshot(post: Post) -> dict[str, object]:
    return {"code": post.code, "name": post.name, "unit_id": post.unit_id, "retired": post.retired_at is not None}


# --- mines ------------------------------------------------------------------------------------------
async def create_mine(session: AsyncSession, *, actor: Principal | None, code: str, name: str) -> Mine:
    """A new mine (the CLI's `minesafe mine add`); its first audit entry starts its chain."""
    checked_code = _code(code, required=True)
    assert checked_code is not None
    if await service.get_mine_by_code(session=session, code=checked_code) is not None:
        raise ValidationFailed(f"a mine with the code {checked_code!r} exists", field="code")
    mine = await service.create_mine(session=session, code=checked_code, name=_name(name))
    await record_audit(session, actor=actor, mine_id=mine.id, action="mine.created", subject_type="mine",
                       subject_id=mine.id, after={"code": mine.code, "name": mine.name})
    return mine


async def change_settings(session: AsyncSession, *, actor: Principal,
                          hazard_deadline_hours: Mapping[str, int] | None = None,
                          alert_escalation_minutes: Mapping[str, list[float]] | None = None,
                          roof: Mapping[str, float] | None = None, exam_pass_mark: float | None = None,
                          name: str | None = None) -> Mine:
    """Validate and apply changes to the caller's mine's settings (admin)."""
    if not actor.has_any(Role.ADMIN):
        raise NotAllowed("only an admin changes the mine's settings")
    mine = await lock_mine(session, actor.mine_id)
    assert mine is not None
    try:
        new = settings.check_changes(mine.settings, hazard_deadline_hours=hazard_deadline_hours,
                                     alert_escalation_minutes=alert_escalation_minutes, roof=roof,
                                     exam_pass_mark=exam_pass_mark)
    except settings.SettingsError as error:
        raise ValidationFailed(str(error), field=error.field) from error
    before = {"name": mine.name, "settings": dict(mine.settings or {})}
    if name is not None:
        mine.name = _name(name)
    mine.settings = new
    after = {"name": mine.name, "settings": new}
    if after != before:
        await session.flush()
        await record_audit(session, actor=actor, action="mine.settings_changed", subject_type="mine",
                           subject_id=mine.id, before=before, after=after)
    return mine


# --- units (districts and areas) ----------------------------------------------------------------------
async def _unit(session: AsyncSession, actor: Principal, unit_id: uuid.UUID, field: str = "unitId") -> Area:
    unit = await service.get_area(session=session, area_id=unit_id)
    if unit is None or unit.mine_id != actor.mine_id:
        raise NotFound("no such unit in your mine")
    return unit


async def _parent(session: AsyncSession, actor: Principal, parent_id: uuid.UUID | None) -> Area | None:
    if parent_id is None:
        return None
    parent = await service.get_area(session=session, area_id=parent_id)
    if parent is None or parent.mine_id != actor.mine_id:
        raise ValidationFailed("no such parent unit in your mine", field="parentId")
    if parent.retired_at is not None:
        raise ValidationFailed("the parent unit is retired", field="parentId")
    if parent.kind is not AreaKind.DISTRICT:
        raise ValidationFailed("only a district holds other units", field="parentId")
    return parent


def _may_change(actor: Principal, parents: Mapping[uuid.UUID, uuid.UUID | None], unit_id: uuid.UUID | None,
                *, own_root: bool = False) -> None:
    """Admins change any unit; an area manager only units below their own district (own_root: or it itself)."""
    if actor.has_any(Role.ADMIN):
        return
    if actor.has_any(Role.AREA_MANAGER) and actor.area_id is not None and unit_id is not None \
            and rules.within(parents, unit_id, actor.area_id) and (own_root or unit_id != actor.area_id):
        return
    raise NotAllowed("only an admin, or the area manager within their district, changes this unit")


async def _check_unique(session: AsyncSession, model: type[Area] | type[Team] | type[Post], mine_id: uuid.UUID, *,
                        name: str | None = None, code: str | None = None, exclude: uuid.UUID | None = None) -> None:
    for column, value, field in ((getattr(model, "name", None), name, "name"), (model.code, code, "code")):
        if value is None or column is None:
            continue
        query = select(func.count()).select_from(model).where(model.mine_id == mine_id, column == value)
        if exclude is not None:
            query = query.where(model.id != exclude)
        if await session.scalar(query):
            raise ValidationFailed(f"the {field} {value!r} is already used in your mine", field=field)


async def create_unit(session: AsyncSession, *, actor: Principal, code: str, name: str, kind: AreaKind,
                      parent_id: uuid.UUID | None, map_x: float | None = None, map_y: float | None = None) -> Area:
    await lock_mine(session, actor.mine_id)
    parents = await service.unit_parents(session=session, mine_id=actor.mine_id)
    if parent_id is None:
        if not actor.has_any(Role.ADMIN):
            raise NotAllowed("only an admin creates units directly under the mine")
    else:
        _may_change(actor, parents, parent_id, own_root=True)
    await _parent(session, actor, parent_id)
    checked_code, checked_name = _code(code, required=True), _name(name)
    await _check_unique(session, Area, actor.mine_id, name=checked_name, code=checked_code)
    _position(map_x, map_y)
    unit = Area(mine_id=actor.mine_id, code=checked_code, name=checked_name, kind=kind, parent_id=parent_id,
                map_x=map_x, map_y=map_y)
    session.add(unit)
    await session.flush()
    await record_audit(session, actor=actor, action="unit.created", subject_type="unit", subject_id=unit.id,
                       after=unit_snapshot(unit))
    return unit


def _position(map_x: float | None, map_y: float | None) -> None:
    if (map_x is None) != (map_y is None):
        raise ValidationFailed("give both map coordinates or neither", field="mapX")
    for value, field in ((map_x, "mapX"), (map_y, "mapY")):
        if value is not None and not -1e7 <= value <= 1e7:
            raise ValidationFailed("a map coordinate is out of range", field=field)


async def update_unit(session: AsyncSession, *, actor: Principal, unit_id: uuid.UUID, name: str | None = None,
                      code: str | None = None, map_x: float | None = None, map_y: float | None = None,
                      manager_id: uuid.UUID | None = None) -> Area:
    """Rename a unit, change its code, map position or manager."""
    await lock_mine(session, actor.mine_id)
    unit = await _unit(session, actor, unit_id)
    _may_change(actor, await service.unit_parents(session=session, mine_id=actor.mine_id), unit.id)
    if unit.retired_at is not None:
        raise InvalidTransition("the unit is retired", current_state="RETIRED")
    before = unit_snapshot(unit)
    checked_name = _name(name) if name is not None else None
    checked_code = _code(code) if code is not None else None
    await _check_unique(session, Area, actor.mine_id, name=checked_name, code=checked_code, exclude=unit.id)
    if map_x is not None or map_y is not None:
        _position(map_x, map_y)
        unit.map_x, unit.map_y = map_x, map_y
    if manager_id is not None:
        await _person_in_mine(session, actor, manager_id, "managerId")
        unit.manager_id = manager_id
    unit.name = checked_name or unit.name
    unit.code = checked_code or unit.code
    await session.flush()
    if unit_snapshot(unit) != before:
        await record_audit(session, actor=actor, action="unit.updated", subject_type="unit", subject_id=unit.id,
                           before=before, after=unit_snapshot(unit))
    return unit


async def move_unit(session: AsyncSession, *, actor: Principal, unit_id: uuid.UUID,
                    parent_id: uuid.UUID | None) -> Area:
    """Put a unit under another district (or directly under the mine); cycles are refused."""
    await lock_mine(session, actor.mine_id)
    unit = await _unit(session, actor, unit_id)
    parents = await service.unit_parents(session=session, mine_id=actor.mine_id)
    _may_change(actor, parents, unit.id)
    if parent_id is None:
        if not actor.has_any(Role.ADMIN):
            raise NotAllowed("only an admin puts a unit directly under the mine")
    else:
        _may_change(actor, parents, parent_id, own_root=True)
    if unit.retired_at is not None:
        raise InvalidTransition("the unit is retired", current_state="RETIRED")
    try:
        rules.check_move(parents, unit.id, parent_id)
    except rules.TreeError as error:
        raise ValidationFailed(str(error), field="parentId") from error
    await _parent(session, actor, parent_id)
    if unit.parent_id == parent_id:
        return unit
    before = unit_snapshot(unit)
    unit.parent_id = parent_id
    await session.flush()
    await record_audit(session, actor=actor, action="unit.moved", subject_type="unit", subject_id=unit.id,
                       before=before, after=unit_snapshot(unit))
    return unit


async def retire_unit(session: AsyncSession, *, actor: Principal, unit_id: uuid.UUID) -> Area:
    """End a unit's use (kept for history); its active sub-units, teams and posts must be moved or retired first."""
    await lock_mine(session, actor.mine_id)
    unit = await _unit(session, actor, unit_id)
    _may_change(actor, await service.unit_parents(session=session, mine_id=actor.mine_id), unit.id)
    if unit.retired_at is not None:
        return unit
    for model, column, what in ((Area, Area.parent_id, "units"), (Team, Team.area_id, "teams"),
                                (Post, Post.unit_id, "posts")):
        active = await session.scalar(select(func.count()).select_from(model).where(
            column == unit.id, model.retired_at.is_(None)))
        if active:
            raise InvalidTransition(f"the unit still holds {active} active {what}; move or retire them first",
                                         current_state="ACTIVE")
    before = unit_snapshot(unit)
    unit.retired_at = utcnow()
    await session.flush()
    await record_audit(session, actor=actor, action="unit.retired", subject_type="unit", subject_id=unit.id,
                       before=before, after=unit_snapshot(unit))
    return unit


# --- teams --------------------------------------------------------------------------------------------
async def _unit_for(session: AsyncSession, actor: Principal, unit_id: uuid.UUID | None,
                    parents: Mapping[uuid.UUID, uuid.UUID | None], field: str = "unitId") -> None:
    if unit_id is None:
        if not actor.has_any(Role.ADMIN):
            raise NotAllowed("only an admin keeps a team or post outside every unit")
        return
    unit = await service.get_area(session=session, area_id=unit_id)
    if unit is None or unit.mine_id != actor.mine_id:
        raise ValidationFailed("no such unit in your mine", field=field)
    if unit.retired_at is not None:
        raise ValidationFailed("the unit is retired", field=field)
    _may_change(actor, parents, unit_id, own_root=True)


async def _person_in_mine(session: AsyncSession, actor: Principal, user_id: uuid.UUID, field: str) -> User:
    person = await session.get(User, user_id)
    if person is None or person.mine_id != actor.mine_id or not person.is_active:
        raise ValidationFailed("no such active person in your mine", field=field)
    return person


async def create_team(session: AsyncSession, *, actor: Principal, code: str, name: str, unit_id: uuid.UUID | None,
                      leader_id: uuid.UUID | None = None) -> Team:
    await lock_mine(session, actor.mine_id)
    await _unit_for(session, actor, unit_id, await service.unit_parents(session=session, mine_id=actor.mine_id))
    checked_code, checked_name = _code(code, required=True), _name(name)
    await _check_unique(session, Team, actor.mine_id, name=checked_name, code=checked_code)
    if leader_id is not None:
        await _person_in_mine(session, actor, leader_id, "leaderId")
    team = Team(mine_id=actor.mine_id, code=checked_code, name=checked_name, area_id=unit_id, leader_id=leader_id)
    session.add(team)
    await session.flush()
    await record_audit(session, actor=actor, action="team.created", subject_type="team", subject_id=team.id,
                       after=team_snapshot(team))
    return team


async def _team(session: AsyncSession, actor: Principal, team_id: uuid.UUID) -> Team:
    team = await session.get(Team, team_id)
    if team is None or team.mine_id != actor.mine_id:
        raise NotFound("no such team in your mine")
    return team


async def update_team(session: AsyncSession, *, actor: Principal, team_id: uuid.UUID, name: str | None = None,
                      code: str | None = None, unit_id: uuid.UUID | None = None, move: bool = False,
                      leader_id: uuid.UUID | None = None) -> Team:
    """Rename a team, change its code or leader, or (move) put it under another unit."""
    await lock_mine(session, actor.mine_id)
    team = await _team(session, actor, team_id)
    parents = await service.unit_parents(session=session, mine_id=actor.mine_id)
    _may_team(actor, parents, team)
    if team.retired_at is not None:
        raise InvalidTransition("the team is retired", current_state="RETIRED")
    before = team_snapshot(team)
    checked_name = _name(name) if name is not None else None
    checked_code = _code(code) if code is not None else None
    await _check_unique(session, Team, actor.mine_id, name=checked_name, code=checked_code, exclude=team.id)
    if move:
        await _unit_for(session, actor, unit_id, parents)
        team.area_id = unit_id
    if leader_id is not None:
        await _person_in_mine(session, actor, leader_id, "leaderId")
        team.leader_id = leader_id
    team.name, team.code = checked_name or team.name, checked_code or team.code
    await session.flush()
    if team_snapshot(team) != before:
        await record_audit(session, actor=actor, action="team.moved" if move else "team.updated",
                           subject_type="team", subject_id=team.id, before=before, after=team_snapshot(team))
    return team


def _may_team(actor: Principal, parents: Mapping[uuid.UUID, uuid.UUID | None], team: Team | Post) -> None:
    unit_id = team.area_id if isinstance(team, Team) else team.unit_id
    if actor.has_any(Role.ADMIN):
        return
    if unit_id is None:
        raise NotAllowed("only an admin changes a team or post outside every unit")
    _may_change(actor, parents, unit_id, own_root=True)


async def retire_team(session: AsyncSession, *, actor: Principal, team_id: uuid.UUID) -> Team:
    await lock_mine(session, actor.mine_id)
    team = await _team(session, actor, team_id)
    _may_team(actor, await service.unit_parents(session=session, mine_id=actor.mine_id), team)
    if team.retired_at is not None:
        return team
    members = await session.scalar(select(func.count()).select_from(User).where(
        User.team_id == team.id, User.is_active.is_(True)))
    if members:
        raise InvalidTransition(f"the team still has {members} active members; move them first",
                                     current_state="ACTIVE")
    before = team_snapshot(team)
    team.retired_at = utcnow()
    await session.flush()
    await record_audit(session, actor=actor, action="team.retired", subject_type="team", subject_id=team.id,
                       before=before, after=team_snapshot(team))
    return team


# --- posts --------------------------------------------------------------------------------------------
async def create_post(session: AsyncSession, *, actor: Principal, code: str, name: str,
                      unit_id: uuid.UUID | None) -> Post:
    await lock_mine(session, actor.mine_id)
    await _unit_for(session, actor, unit_id, await service.unit_parents(session=session, mine_id=actor.mine_id))
    checked_code, checked_name = _code(code, required=True), _name(name)
    assert checked_code is not None
    await _check_unique(session, Post, actor.mine_id, code=checked_code)
    post = Post(mine_id=actor.mine_id, code=checked_code, name=checked_name, unit_id=unit_id)
    session.add(post)
    await session.flush()
    await record_audit(session, actor=actor, action="post.created", subject_type="post", subject_id=post.id,
                       after=post_snapshot(post))
    return post


async def _post(session: AsyncSession, actor: Principal, post_id: uuid.UUID) -> Post:
    post = await session.get(Post, post_id)
    if post is None or post.mine_id != actor.mine_id:
        raise NotFound("no such post in your mine")
    return post


async def update_post(session: AsyncSession, *, actor: Principal, post_id: uuid.UUID, name: str | None = None,
                      unit_id: uuid.UUID | None = None, move: bool = False) -> Post:
    await lock_mine(session, actor.mine_id)
    post = await _post(session, actor, post_id)
    parents = await service.unit_parents(session=session, mine_id=actor.mine_id)
    _may_team(actor, parents, post)
    if post.retired_at is not None:
        raise InvalidTransition("the post is retired", current_state="RETIRED")
    before = post_snapshot(post)
    if name is not None:
        post.name = _name(name)
    if move:
        await _unit_for(session, actor, unit_id, parents)
        post.unit_id = unit_id
    await session.flush()
    if post_snapshot(post) != before:
        await record_audit(session, actor=actor, action="post.moved" if move else "post.updated",
                           subject_type="post", subject_id=post.id, before=before, after=post_snapshot(post))
    return post


async def retire_post(session: AsyncSession, *, actor: Principal, post_id: uuid.UUID) -> Post:
    """End a post; its holders stop holding it (their holdings end now, kept for history)."""
    await lock_mine(session, actor.mine_id)
    post = await _post(session, actor, post_id)
    _may_team(actor, await service.unit_parents(session=session, mine_id=actor.mine_id), post)
    if post.retired_at is not None:
        return post
    before = post_snapshot(post)
    now = utcnow()
    post.retired_at = now
    await session.execute(update(PostHolding).where(PostHolding.post_id == post.id, PostHolding.ended_at.is_(None))
                          .values(ended_at=now).execution_options(synchronize_session=False))
    await session.execute(update(PersonRecord).where(PersonRecord.post_id == post.id).values(post_id=None)
                          .execution_options(synchronize_session=False))
    await session.flush()
    await record_audit(session, actor=actor, action="post.retired", subject_type="post", subject_id=post.id,
                       before=before, after=post_snapshot(post))
    return post


def change_holding(session: AsyncSession, *, mine_id: uuid.UUID, user_id: uuid.UUID, old_post: uuid.UUID | None,
                   new_post: uuid.UUID | None, at: datetime, open_holding: PostHolding | None) -> None:
    """End the person's current holding and open the new one (the caller audits the change)."""
    if old_post == new_post:
        return
    if open_holding is not None:
        open_holding.ended_at = at
    if new_post is not None:
        session.add(PostHolding(mine_id=mine_id, post_id=new_post, user_id=user_id, started_at=at))


async def assign_post(session: AsyncSession, *, actor: Principal, user_id: uuid.UUID,
                      post_id: uuid.UUID | None) -> PersonRecord:
    """Give a person a post (or none): their holding of the old post ends now and one of the new begins."""
    await lock_mine(session, actor.mine_id)
    person = await session.get(User, user_id)
    if person is None or person.mine_id != actor.mine_id:
        raise NotFound("no such person in your mine")
    record = await service.get_person(session=session, user_id=user_id)
    if record is None:
        raise ValidationFailed("this person has no employee number yet; import them first", field="userId")
    parents = await service.unit_parents(session=session, mine_id=actor.mine_id)
    new_post = await _post(session, actor, post_id) if post_id is not None else None
    if new_post is not None and new_post.retired_at is not None:
        raise ValidationFailed("the post is retired", field="postId")
    if not actor.has_any(Role.ADMIN):  # an area manager: the person and the new post both within their district
        for unit_id in (person.area_id, *((new_post.unit_id,) if new_post is not None else ())):
            if unit_id is None:
                raise NotAllowed("only an admin gives posts to people or from posts outside every unit")
            _may_change(actor, parents, unit_id, own_root=True)
    if record.post_id == post_id:
        return record
    before = {"post_id": record.post_id}
    holding = await session.scalar(select(PostHolding).where(PostHolding.user_id == user_id,
                                                             PostHolding.ended_at.is_(None)))
    change_holding(session, mine_id=actor.mine_id, user_id=user_id, old_post=record.post_id, new_post=post_id,
                   at=utcnow(), open_holding=holding)
    record.post_id = post_id
    await session.flush()
    await record_audit(session, actor=actor, action="person.post_changed", subject_type="person",
                       subject_id=user_id, before=before, after={"post_id": post_id})
    return record
