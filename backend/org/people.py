"""Importing people (all or nothing, idempotent, updated by employee number) and exporting them.

Personal data (names, phones) never goes to the log: log lines carry counts and the mine's id only, and
audit entries record that a phone changed, never the number.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import User
from backend.accounts.roles import Principal, Role
from backend.audit.flows import AuditRecord, record_audit, record_audit_many
from backend.database.base import utcnow
from backend.database.tenancy import lock_mine
from backend.errors import NotAllowed
from backend.org.flows import change_holding
from backend.org.models import PersonRecord, Post, PostHolding, Team
from backend.org.people_io import PeopleFormat, RowError, export_people, parse_people

logger = logging.getLogger(__name__)
NO_PASSWORD = "!imported"  # not an argon2 hash: nobody signs in until an admin sets a password


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    digest: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def person_snapshot(user: User, record: PersonRecord) -> dict[str, object]:
    return {"employee_no": record.employee_no, "username": user.username, "display_name": user.display_name,
            "roles": list(user.roles), "team_id": user.team_id, "area_id": user.area_id, "post_id": record.post_id,
            "mentor_id": record.mentor_id, "has_phone": record.phone is not None, "is_active": user.is_active}


async def import_people(session: AsyncSession, *, actor: Principal, content: bytes, fmt: PeopleFormat,
                        dry_run: bool = False) -> ImportReport:
    """Check every row, then write all of them or none (the caller commits only when report.ok)."""
    if not actor.has_any(Role.ADMIN):
        raise NotAllowed("only an admin imports people")
    report = ImportReport(digest=hashlib.sha256(content).hexdigest())
    rows, errors = parse_people(content, fmt)
    report.errors.extend(errors)
    await lock_mine(session, actor.mine_id)
    mine_id = actor.mine_id
    teams = (await session.scalars(select(Team).where(Team.mine_id == mine_id, Team.retired_at.is_(None)))).all()
    team_by_key = {t.name: t for t in teams} | {t.code: t for t in teams if t.code}
    posts = {p.code: p for p in (await session.scalars(
        select(Post).where(Post.mine_id == mine_id, Post.retired_at.is_(None)))).all()}
    records = {r.employee_no: r for r in (await session.scalars(
        select(PersonRecord).where(PersonRecord.mine_id == mine_id))).all()}
    users = {u.id: u for u in (await session.scalars(select(User).where(User.mine_id == mine_id))).all()}
    file_numbers = {r.employee_no for r in rows}
    taken = await _usernames_taken(session, [r.username for r in rows])
    # an account of this mine without an employee number yet is adopted by the row naming its username
    with_record = {r.user_id for r in records.values()}
    adoptable = {u.id for u in users.values() if u.id not in with_record}
    adopt: dict[str, User] = {}
    for row in rows:
        if row.team is not None and row.team not in team_by_key:
            report.errors.append(RowError(row.row, "team", f"no active team {row.team!r} in your mine"))
        if row.post is not None and row.post not in posts:
            report.errors.append(RowError(row.row, "post", f"no active post with the code {row.post!r}"))
        if row.mentor is not None and row.mentor not in file_numbers and row.mentor not in records:
            report.errors.append(RowError(row.row, "mentor", f"no person with the employee number {row.mentor!r}"))
        owner = taken.get(row.username)
        existing = records.get(row.employee_no)
        if owner is not None and (owner != existing.user_id if existing is not None else owner not in adoptable):
            report.errors.append(RowError(row.row, "username", f"the username {row.username!r} is taken"))
        if existing is None and owner in adoptable:
            adopt[row.employee_no] = users[owner]
    report.errors.sort(key=lambda e: (e.row, e.column or ""))
    if report.errors:
        logger.info("people import for mine %s refused: %s row errors", mine_id, len(report.errors))
        return report
    now = utcnow()
    holdings = {h.user_id: h for h in (await session.scalars(select(PostHolding).where(
        PostHolding.mine_id == mine_id, PostHolding.ended_at.is_(None)))).all()}
    pending_mentors: list[tuple[PersonRecord, str | None]] = []
    changed: list[tuple[str, User, PersonRecord, dict[str, object] | None]] = []
    new_rows: list[PersonRecord | PostHolding] = []
    for row in rows:
        team = team_by_key.get(row.team) if row.team else None
        post = posts.get(row.post) if row.post else None
        record = records.get(row.employee_no)
        roles = sorted(r.value for r in row.roles)
        if record is None and row.employee_no in adopt:
            adopted = adopt[row.employee_no]
            record = PersonRecord(user_id=adopted.id, mine_id=mine_id, employee_no=row.employee_no)
            session.add(record)
            records[row.employee_no] = record
        if record is None:
            user = User(id=uuid.uuid4(), mine_id=mine_id, username=row.username, display_name=row.name,
                        password_hash=NO_PASSWORD, roles=roles, team_id=team.id if team else None,
                        area_id=team.area_id if team else None)
            record = PersonRecord(user_id=user.id, mine_id=mine_id, employee_no=row.employee_no,
                                  post_id=post.id if post else None, phone=row.phone)
            session.add(user)
            new_rows.append(record)
            if post is not None:
                new_rows.append(PostHolding(mine_id=mine_id, post_id=post.id, user_id=user.id, started_at=now))
            records[row.employee_no] = record
            users[user.id] = user
            changed.append(("person.imported", user, record, None))
            pending_mentors.append((record, row.mentor))
            continue
        user = users[record.user_id]
        before = person_snapshot(user, record)
        old_phone = record.phone
        user.username, user.display_name, user.roles = row.username, row.name, roles
        user.team_id = team.id if team else None
        user.area_id = team.area_id if team else user.area_id
        user.is_active = True
        new_post = post.id if post else None
        change_holding(session, mine_id=mine_id, user_id=user.id, old_post=record.post_id, new_post=new_post, at=now,
                       open_holding=holdings.get(user.id))
        record.post_id, record.phone = new_post, row.phone
        pending_mentors.append((record, row.mentor))
        changed.append(("person.updated", user, record, before if old_phone == row.phone else
                        {**before, "phone_changed": True}))
    for record, mentor in pending_mentors:  # every user id is known now (new ones were made here)
        mentor_id = records[mentor].user_id if mentor else None
        if record.mentor_id != mentor_id:
            record.mentor_id = mentor_id
    await session.flush()  # users first: person records and holdings refer to them
    session.add_all(new_rows)
    await session.flush()
    entries: list[AuditRecord] = []
    for action, user, record, before in changed:
        after = person_snapshot(user, record)
        if action == "person.updated":
            assert before is not None
            if not before.pop("phone_changed", False) and before == after:
                report.unchanged += 1
                continue
            report.updated += 1
        else:
            report.created += 1
        entries.append(AuditRecord(action=action, subject_type="person", subject_id=user.id, before=before,
                                   after=after))
    if entries:
        entries.append(AuditRecord(action="people.import", subject_type="mine", subject_id=mine_id,
                                   after={"sha256": report.digest, "format": fmt.value, "created": report.created,
                                          "updated": report.updated, "unchanged": report.unchanged}))
        await record_audit_many(session, actor=actor, records=entries)
    logger.info("people import for mine %s: %s created, %s updated, %s unchanged%s", mine_id, report.created,
                report.updated, report.unchanged, " (dry run)" if dry_run else "")
    return report


async def _usernames_taken(session: AsyncSession, usernames: Sequence[str]) -> dict[str, uuid.UUID]:
    taken: dict[str, uuid.UUID] = {}
    wanted = list(set(usernames))
    for start in range(0, len(wanted), 500):
        rows = await session.execute(select(User.username, User.id).where(User.username.in_(wanted[start:start + 500])))
        taken.update({row.username: row.id for row in rows})
    return taken


async def export_people_file(session: AsyncSession, *, actor: Principal, fmt: PeopleFormat) -> tuple[bytes, int]:
    """The mine's people as the import reads them (re-importing the export changes nothing)."""
    if not actor.has_any(Role.ADMIN, Role.MINE_MANAGER):
        raise NotAllowed("only an admin or mine manager exports people")
    mine_id = actor.mine_id
    records = (await session.scalars(select(PersonRecord).where(PersonRecord.mine_id == mine_id)
                                     .order_by(PersonRecord.employee_no))).all()
    users = {u.id: u for u in (await session.scalars(select(User).where(User.mine_id == mine_id))).all()}
    teams = {t.id: t for t in (await session.scalars(select(Team).where(Team.mine_id == mine_id))).all()}
    posts = {p.id: p for p in (await session.scalars(select(Post).where(Post.mine_id == mine_id))).all()}
    numbers = {r.user_id: r.employee_no for r in records}
    rows = []
    for record in records:
        user = users[record.user_id]
        team = teams.get(user.team_id) if user.team_id else None
        rows.append([record.employee_no, user.display_name, posts[record.post_id].code if record.post_id else "",
                     (team.code or team.name) if team else "", "|".join(user.roles), record.phone or "",
                     numbers.get(record.mentor_id, "") if record.mentor_id else "", user.username])
    await record_audit(session, actor=actor, action="people.exported", subject_type="mine", subject_id=mine_id,
                       after={"format": fmt.value, "rows": len(rows)})
    return export_people(rows, fmt), len(rows)
