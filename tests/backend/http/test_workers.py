"""`minesafe serve --workers N`: each worker has its own SO_REUSEPORT listener, so a burst of connections opened
at once is spread over the workers (uvicorn's one shared socket gives most of such a burst to one of them)."""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from backend.http.workers import balances_connections
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(not balances_connections(1), reason="SO_REUSEPORT balancing is Linux's")

BURST = 80


def serve_command(port: int, workers: int) -> list[str]:
    return [sys.executable, "-c",
            "from backend.http.workers import serve; "
            f"serve('tests.backend.http.pid_app:app', host='127.0.0.1', port={port}, workers={workers}, "
            "log_level='warning')"]


def worker_of_new_connection(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    return int(answer.rsplit(b"\r\n\r\n", 1)[1])


def listening_sockets(pid: int, port: int) -> set[str]:
    """The kernel socket objects (``socket:[inode]``) the process listens on the port with."""
    import psutil

    found = set()
    for connection in psutil.Process(pid).net_connections(kind="tcp"):
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.fd >= 0:
            found.add(os.readlink(f"/proc/{pid}/fd/{connection.fd}"))
    return found


@dataclass
class Served:
    port: int
    supervisor: int


@pytest.fixture
def two_workers() -> Iterator[Served]:
    port = free_port()
    server = subprocess.Popen(serve_command(port, 2))
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + 60
        while len(seen) < 2:  # both workers listening before the burst
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, f"workers answering: {seen}"
            try:
                seen.add(worker_of_new_connection(port))
            except (OSError, ValueError):
                time.sleep(0.1)
        yield Served(port, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def test_each_worker_listens_on_its_own_socket(two_workers: Served) -> None:
    import psutil

    workers = psutil.Process(two_workers.supervisor).children()
    own = [listening_sockets(worker.pid, two_workers.port) for worker in workers]
    own = [sockets for sockets in own if sockets]
    assert len(own) == 2 and all(len(sockets) == 1 for sockets in own), own
    assert own[0] != own[1]                   # two accept queues, not one socket shared by both
    assert not listening_sockets(two_workers.supervisor, two_workers.port)


def test_a_burst_of_connections_is_spread_over_the_workers(two_workers: Served) -> None:
    connections = [socket.create_connection(("127.0.0.1", two_workers.port), timeout=10) for _ in range(BURST)]
    try:
        for connection in connections:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        served = collections.Counter()
        for connection in connections:
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.split(b"\r\n\r\n", 1)[1]:
                answer += connection.recv(4096)
            served[int(answer.split(b"\r\n\r\n", 1)[1])] += 1
    finally:
        for connection in connections:
            connection.close()
    assert len(served) == 2, served
    assert min(served.values()) >= BURST // 4, served   # by address hash: about half each


def test_a_port_already_taken_stops_the_server_at_once() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = subprocess.run(serve_command(port, 2), capture_output=True, text=True, timeout=60)
    assert server.returncode == 3                 # uvicorn's startup failure: nothing to restart
    assert f"cannot listen on 127.0.0.1:{port}" in server.stderr
