"""Async engine and session factory for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def create_engine(database_url: str, *, echo: bool = False, pool_size: int | None = None,
                  max_overflow: int | None = None, pool_timeout: float = 30.0) -> AsyncEngine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout.

    Parameters are never written into errors or logs (hide_parameters): they may carry camera passwords,
    tokens and personal data. Pool sizes left None keep the defaults (PostgreSQL 20 + 20, SQLite 5 + 10).
    """
    url = make_url(database_url)
    pool: dict[str, int | float] = {"pool_timeout": pool_timeout}
    if pool_size is not None:
        pool["pool_size"] = pool_size
    if max_overflow is not None:
        pool["max_overflow"] = max_overflow
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30}, **pool)
        else:  # one in-memory database: a static pool, no sizes
            engine = create_async_engine(url, echo=echo, hide_parameters=True, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, hide_parameters=True, pool_pre_ping=True,
                               **{"pool_size": 20, "max_overflow": 20, **pool})


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
