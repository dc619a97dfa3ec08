"""The `minesafe` command: serve, db, seed-demo, user, audit, schema — and the workers' sub-commands."""

from __future__ import annotations

import asyncio
import logging
from importlib.metadata import entry_points

import typer

from backend.config import get_settings

app = typer.Typer(help="minesafe: intelligent intrinsic safety for coal mines.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit hash chain.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL contract.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
mine_app = typer.Typer(help="Mines.", no_args_is_help=True)
app.add_typer(mine_app, name="mine")
app.add_typer(audit_app, name="audit")
app.add_typer(schema_app, name="schema")
alerts_app = typer.Typer(help="Shared alerts.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
sensor_data_app = typer.Typer(help="Sensor history kept by the backend (the bridge itself is `minesafe sensors`).",
                              no_args_is_help=True)
app.add_typer(sensor_data_app, name="sensor-data")
reports_app = typer.Typer(help="Monthly safety reports and list exports.", no_args_is_help=True)
app.add_typer(reports_app, name="reports")

#: the entry point group through which a worker's member adds its sub-commands (`minesafe sensors …`)
COMMAND_GROUP = "minesafe.commands"


def add_worker_commands(cli: typer.Typer, group: str = COMMAND_GROUP) -> list[str]:
    """Add the sub-commands the installed workers declare (entry points of `group`); the names added.

    The backend never imports a worker: a member installed next to it (the dev install declares them all)
    brings its commands; one that cannot load here (its dependencies are not installed) is left out."""
    added: list[str] = []
    for entry in sorted(entry_points(group=group), key=lambda e: e.name):
        if entry.name in added:  # declared twice (the dev install and a member installed next to it)
            continue
        try:
            cli.add_typer(entry.load(), name=entry.name)
        except ImportError as error:
            logging.getLogger(__name__).debug("command %s left out: %s", entry.name, error)
            continue
        added.append(entry.name)
    return added


add_worker_commands(app)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          access_log: bool = typer.Option(True, "--access-log/--no-access-log",
                                          help="one line per request (scripts/dev turns it off)")) -> None:
    """Run the GraphQL backend; with --workers N, N processes the kernel balances connections across."""
    from backend.http import workers as worker_processes
    from contracts.client import SERVER_KEEP_ALIVE_S

    worker_processes.serve("backend.main:create_app", factory=True, host=host, port=port, workers=workers,
                           ws="websockets-sansio", log_level="info", access_log=access_log,
                           timeout_keep_alive=int(SERVER_KEEP_ALIVE_S))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations to the configured database."""
    from backend.database.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    typer.echo(f"database at {revision}")


@app.command("seed-demo")
def seed_demo() -> None:
    """Create the demo mine (users of every role, areas, teams, devices, hazards in every state)."""
    from backend.seed import seed_demo_mine

    asyncio.run(seed_demo_mine(get_settings()))


@user_app.command("add")
def user_add(
    username: str,
    display_name: str = typer.Option(..., "--name"),
    roles: list[str] = typer.Option(..., "--role", help="repeat for several roles"),
    mine: str = typer.Option("DEMO", help="mine code"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Add a person to a mine."""
    from backend.accounts.roles import Role
    from backend.commands import add_user_cli

    asyncio.run(add_user_cli(get_settings(), mine_code=mine, username=username, display_name=display_name,
                             roles=[Role(r) for r in roles], password=password))
    typer.echo(f"added {username}")


@mine_app.command("add")
def mine_add(
    code: str,
    name: str = typer.Option(..., "--name", help="the mine's name, e.g. 某某煤矿"),
    admin: str | None = typer.Option(None, "--admin", help="also create this admin account (password prompted)"),
    admin_name: str = typer.Option("管理员 Admin", "--admin-name"),
) -> None:
    """Create a mine (audited in its own chain), optionally with its first admin."""
    from backend.commands import add_mine_cli

    password = typer.prompt("admin password", hide_input=True, confirmation_prompt=True) if admin else None
    asyncio.run(add_mine_cli(get_settings(), code=code, name=name, admin_username=admin, admin_name=admin_name,
                             admin_password=password))
    typer.echo(f"added mine {code}" + (f" with admin {admin}" if admin else ""))


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify every mine's audit hash chain; exits 1 naming the first bad entry."""
    from backend.commands import verify_all_chains

    problems = asyncio.run(verify_all_chains(get_settings()))
    for line in problems.lines:
        typer.echo(line)
    raise typer.Exit(0 if problems.ok else 1)


@schema_app.command("export")
def schema_export() -> None:
    """Write backend/schema.graphql from the code."""
    from backend.graphql.schema import SDL_PATH, export_sdl

    export_sdl()
    typer.echo(f"wrote {SDL_PATH}")


@sensor_data_app.command("retain")
def sensor_data_retain() -> None:
    """Delete raw readings and hourly statistics past their retention (MINESAFE_SENSOR_*_RETENTION_DAYS)."""
    from backend.platform import Platform
    from backend.sensors.tasks import run_retention

    async def run() -> None:
        platform = Platform.from_settings(get_settings())
        try:
            result = await run_retention(platform)
        finally:
            await platform.close()
        typer.echo(f"deleted {result.readings_deleted} raw readings, {result.stats_deleted} hourly statistics, "
                   f"{result.batches_deleted} batch records")

    asyncio.run(run())


@alerts_app.command("escalate")
def alerts_escalate(now: str | None = typer.Option(None, help="ISO 8601 time with zone, instead of the clock")) -> None:
    """Sweep once: escalate unacknowledged alerts, raise and resolve overdue-hazard alerts."""
    from datetime import datetime

    from backend.alerts.tasks import sweep_from_cli

    try:
        at = datetime.fromisoformat(now) if now else None
    except ValueError as error:
        raise typer.BadParameter(f"--now {now!r} is not an ISO 8601 time") from error
    if at is not None and at.tzinfo is None:
        raise typer.BadParameter("--now needs a time zone, e.g. 2026-12-01T08:00:00Z")
    report = asyncio.run(sweep_from_cli(get_settings(), now=at))
    typer.echo(f"escalated {report.escalated}; overdue-hazard alerts raised {report.overdue_raised}, "
               f"resolved {report.overdue_resolved}")


@reports_app.command("monthly")
def reports_monthly(month: str = typer.Option(None, help="YYYY-MM; default: the last finished month"),
                    mine: str = typer.Option(None, help="a mine code; default: every mine")) -> None:
    """Generate the monthly safety report (PDF and XLSX) of each mine that does not have it yet."""
    from backend.reports.tasks import sweep_from_cli

    made = asyncio.run(sweep_from_cli(get_settings(), month=month, mine_code=mine))
    for report in made:
        typer.echo(f"{report.label} {report.format.value} {report.key} ({report.size} bytes, "
                   f"figures {report.figures_digest[:12]})")
    if not made:
        typer.echo("nothing to generate: the reports exist")


if __name__ == "__main__":  # python -m backend.cli … runs the same commands as `minesafe`
    app()
