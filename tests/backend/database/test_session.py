"""The engine: a failed statement never carries its parameters into errors or logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from backend.database.session import create_engine

SECRET = "rtsp://admin:TOPSECRET@10.0.0.5/live"


async def test_a_failed_statement_hides_its_parameters(database_url, platform, caplog) -> None:
    for engine in (platform.engine, create_engine(database_url)):
        with caplog.at_level(logging.INFO):
            async with engine.connect() as connection:
                with pytest.raises(DBAPIError) as failure:
                    await connection.execute(text("SELECT :secret FROM no_such_table"), {"secret": SECRET})
        assert "TOPSECRET" not in str(failure.value)
        assert "TOPSECRET" not in caplog.text
        if engine is not platform.engine:
            await engine.dispose()
