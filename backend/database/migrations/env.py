"""Alembic environment: async engine, URL from settings (or the -x url=... / config option)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from backend.config import get_settings
from backend.database.models import metadata
from backend.database.session import create_engine

config = context.config


def database_url() -> str:
    return config.attributes.get("database_url") or context.get_x_argument(as_dictionary=True).get(
        "url") or get_settings().database_url


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_engine(database_url())
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    existing = config.attributes.get("connection")
    if existing is not None:
        run_with(existing)
    else:
        asyncio.run(run_online())
