"""Alembic revisions create exactly what the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backend.database.migrate import alembic_config
from backend.database.models import metadata


def test_there_is_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; set down_revision to the current head"


async def test_migrated_database_matches_the_models(platform) -> None:
    def differences(connection) -> list:  # type: ignore[no-untyped-def,type-arg]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with platform.engine.connect() as connection:
        diff = await connection.run_sync(differences)
    assert diff == [], f"models and migrations differ; add a revision: {diff}"
