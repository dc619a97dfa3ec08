"""Several uvicorn worker processes that the kernel balances: each binds its own SO_REUSEPORT listener.

uvicorn's ``--workers`` share one listening socket, and asyncio accepts up to its whole backlog in one wake-up,
so a burst of connections (an exam's 500 phones after the access point comes back) lands on whichever worker
woke first while the others idle (measured: 40 % CPU against 2 %, docs/benchmarks.md). With SO_REUSEPORT each
worker has its own accept queue and Linux spreads connections across them by their address hash, as nginx's
``reuseport`` does. uvicorn's own supervisor still runs the workers (health checks, restarts, signals); only
the socket each one serves differs. uvicorn has no such option yet (encode/uvicorn#2472 is open), hence this
module: it is the socket list that uvicorn hands each spawned worker, which, unpickled in the worker, binds that
worker's own listener.

Where SO_REUSEPORT does not balance (not Linux), or the port is chosen by the system (0), ``serve`` falls back to
uvicorn's shared socket.
"""

from __future__ import annotations

import logging
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess


def reuse_port_listener(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) in the address's SO_REUSEPORT group (not listening yet)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _own_listener(host: str, port: int) -> list[socket.socket]:
    """Runs in a worker as its socket list is unpickled: the worker's own listener, or a startup failure (which
    uvicorn's supervisor does not restart) when the address cannot be bound."""
    try:
        return [reuse_port_listener(host, port)]
    except OSError as error:
        print(f"cannot listen on {host}:{port}: {error}", file=sys.stderr)
        raise SystemExit(STARTUP_FAILURE) from error


class OwnListenerPerWorker(list):  # type: ignore[type-arg]
    """Empty in the supervisor, which so binds nothing; each spawned worker receives it as a list holding its own
    new SO_REUSEPORT listener on (host, port)."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host = host
        self.port = port

    def __reduce__(self) -> tuple[Any, ...]:
        return _own_listener, (self.host, self.port)


def balances_connections(port: int) -> bool:
    """Whether separate listeners on this port would be balanced by the kernel (Linux, a fixed port)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT") and port != 0


def serve(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Run the app (an import string) in ``workers`` processes, each on its own balanced listener where the
    kernel balances them, else on uvicorn's one shared socket; ``options`` are uvicorn's."""
    if workers <= 1 or not balances_connections(port):
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    try:  # the address is free (or already this user's group): fail here, once, not in every worker
        reuse_port_listener(host, port).close()
    except OSError as error:
        logging.getLogger("uvicorn.error").error("cannot listen on %s:%d: %s", host, port, error)
        raise SystemExit(STARTUP_FAILURE) from error
    app_dir = options.pop("app_dir", None)
    if app_dir is not None:  # as uvicorn.run does; spawned workers start with this process's sys.path
        sys.path.insert(0, app_dir)
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    Multiprocess(config, sockets=OwnListenerPerWorker(host, port)).run()
