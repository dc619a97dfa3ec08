"""A scratch PostgreSQL database for one benchmark run: made fresh, dropped again when the run exits.

Shared by the benches (run as scripts, so this folder is on their path: `from scratch_postgres import ...`).
MINESAFE_TEST_POSTGRES names the server's admin database, as for the tests.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import uuid

ADMIN_URL = os.environ.get("MINESAFE_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def _admin_dsn() -> str:
    return ADMIN_URL.replace("postgresql+asyncpg", "postgresql")


async def _execute(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_admin_dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _drop(name: str) -> None:
    try:
        asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception as error:  # the run's figures are printed already; say why the database stays
        print(f"could not drop the bench database {name}: {error}")


async def scratch_postgres() -> str:
    """The URL of a new empty database (SQLAlchemy asyncpg form), dropped when the process exits."""
    name = f"minesafe_bench_{uuid.uuid4().hex[:8]}"
    await _execute(f'CREATE DATABASE "{name}"')
    atexit.register(_drop, name)
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
