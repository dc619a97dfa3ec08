"""What the CLI's commands do, as async functions over a database session."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.accounts import flows as accounts_flows
from backend.accounts.roles import Role
from backend.audit import service as audit_service
from backend.config import Settings
from backend.database.session import create_engine, create_session_factory
from backend.org import service as org_service


@dataclass
class ChainReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)


async def add_user_cli(settings: Settings, *, mine_code: str, username: str, display_name: str,
                       roles: list[Role], password: str) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            mine = await org_service.get_mine_by_code(session=session, code=mine_code)
            if mine is None:
                raise SystemExit(f"no mine with code {mine_code!r}")
            await accounts_flows.add_user(session, actor=None, mine_id=mine.id, username=username,
                                          display_name=display_name, password=password, roles=roles)
            await session.commit()
    finally:
        await engine.dispose()


async def add_mine_cli(settings: Settings, *, code: str, name: str, admin_username: str | None = None,
                       admin_name: str = "Admin", admin_password: str | None = None) -> None:
    """`minesafe mine add`: the mine and, when asked, its first admin, in one transaction."""
    from backend.errors import ValidationFailed
    from backend.org import flows as org_flows

    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            try:
                mine = await org_flows.create_mine(session, actor=None, code=code, name=name)
                if admin_username:
                    await accounts_flows.add_user(session, actor=None, mine_id=mine.id, username=admin_username,
                                                  display_name=admin_name, password=admin_password or "",
                                                  roles=[Role.ADMIN])
            except ValidationFailed as error:
                raise SystemExit(error.message) from error
            await session.commit()
    finally:
        await engine.dispose()


async def verify_all_chains(settings: Settings) -> ChainReport:
    report = ChainReport()
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            for mine_id in await audit_service.mine_ids_with_chains(session=session):
                verdict = await audit_service.verify_chain(session=session, mine_id=mine_id)
                if verdict.ok:
                    report.lines.append(f"mine {mine_id}: {verdict.checked} entries, chain intact")
                else:
                    report.ok = False
                    report.lines.append(f"mine {mine_id}: {verdict.problem} at entry {verdict.seq}: {verdict.detail}")
    finally:
        await engine.dispose()
    return report
