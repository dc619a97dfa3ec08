"""Shared by the field-app benchmarks: a local backend (uvicorn, SQLite, folder store, demo mine)."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.config import Settings  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.seed import DEMO_PASSWORD, seed_demo_mine  # noqa: E402

MINER = "kuanggong1"
PASSWORD = DEMO_PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def local_backend(folder: Path) -> Iterator[str]:
    """A real backend on 127.0.0.1 with the demo mine; yields its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    settings = Settings(environment="development", database_url=database_url, public_url=url,
                        store_folder=folder / "objects")
    upgrade(database_url)
    cwd = os.getcwd()
    os.chdir(folder)            # the seed writes var/demo-devices.json next to the database
    try:
        asyncio.run(seed_demo_mine(settings))
    finally:
        os.chdir(cwd)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", ws="websockets-sansio", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the backend did not start")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
