"""Benchmark: hazard reports across backend replicas on one PostgreSQL — does a second replica add reports/s?

    .venv/bin/python bench/hazards_replicas.py [--seconds 10] [--rounds 3] [--clients 24] [--replica-cores 0.35]

Set-up (not timed): a fresh PostgreSQL database, one mine with an area and 24 miners, and two `minesafe`
backends as their own uvicorn processes (one worker each: a replica is one process here, as behind a load
balancer) on the same database and the same folder store. Then `--rounds` rounds, each of two phases of
`--seconds`: all `--clients` phones on replica A alone ("1 replica"), then spread round-robin over A and B
("2 replicas") — interleaved in the same minutes, so that a shared machine's load falls on both alike. Each
phone reports hazards as a phone does: requestUpload → PUT a small photo (640×480 JPEG, so that the photo step
does not hide the database) → reportHazard (hazard row, photo rows, upload slot, audit entry in the mine's one
chain, commit). Reported per phase: reports/s, p50/p99 per report, the share of the backends' database
connections found waiting on a lock (pg_stat_activity sampled every 50 ms, wait_event_type = 'Lock': the
mine's audit-chain head row is the lock every report takes), and the CPU the replicas, PostgreSQL, this
load generator and everything else on the machine used (psutil) — on a machine without a spare core for the
second replica, the CPU column says so. The ratio is the median of the rounds' ratios. The chain is verified
at the end (`verify_chain`), so the speed is not bought with a broken chain.

`--replica-cores C` gives each replica at most C cores (a cgroup CPU quota, as a pod's CPU limit does), so that
on a machine with fewer cores than replicas + PostgreSQL + load generator need, each replica still has its own
share and the ratio shows whether the replicas wait on each other (the chain) rather than on the machine. It needs
a writable cgroup v1 `cpu` hierarchy (root); without one the bench says so and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts_raise import SECRET, fresh_database, start_backend  # noqa: E402

REQUEST_UPLOAD = """mutation($input: RequestUploadInput!) { requestUpload(input: $input) {
  __typename ... on UploadTicket { key url headers { name value } } } }"""
REPORT = """mutation($input: ReportHazardInput!) { reportHazard(input: $input) { __typename ... on Hazard { id } } }"""


def small_jpeg() -> bytes:
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_replica(url: str, folder: str) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    process = await start_backend(url, folder, port)
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            try:
                if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return process, port
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise RuntimeError("a replica did not start")


CPU_CGROUPS = Path("/sys/fs/cgroup/cpu")


class CpuQuota:
    """A cgroup v1 CPU quota of `cores` cores for one process (and the threads it starts later)."""

    PERIOD_US = 100_000

    def __init__(self, pid: int, cores: float) -> None:
        self.group = CPU_CGROUPS / f"minesafe-bench-{pid}"
        self.group.mkdir()
        (self.group / "cpu.cfs_period_us").write_text(str(self.PERIOD_US))
        (self.group / "cpu.cfs_quota_us").write_text(str(int(cores * self.PERIOD_US)))
        (self.group / "cgroup.procs").write_text(str(pid))

    def remove(self) -> None:
        """After the process has ended (a cgroup with a process in it cannot be removed)."""
        try:
            self.group.rmdir()
        except OSError as error:
            print(f"left {self.group}: {error}", file=sys.stderr)


def can_cap_cpu() -> bool:
    probe = CPU_CGROUPS / f"minesafe-bench-probe-{uuid.uuid4().hex[:6]}"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


async def lock_sampler(url: str, database: str, stop: asyncio.Event) -> tuple[int, int]:
    """(connections seen waiting on a lock, connections seen) over the samples, this database's only."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    waiting = seen = 0
    try:
        while not stop.is_set():
            rows = await connection.fetch(
                "SELECT wait_event_type, state FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()"
                " AND state <> 'idle'", database)
            seen += len(rows)
            waiting += sum(1 for r in rows if r["wait_event_type"] == "Lock")
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    return waiting, seen


class CpuMeter:
    """CPU seconds used over a phase by the replicas, PostgreSQL, this process and the rest of the machine."""

    def __init__(self, replica_pids: list[int]) -> None:
        self.replicas = [psutil.Process(pid) for pid in replica_pids]
        self.me = psutil.Process()

    def _sample(self) -> tuple[dict[str, float], dict[int, float]]:
        postgres: dict[int, float] = {}
        for process in psutil.process_iter(["name", "cpu_times"]):
            if (process.info["name"] or "").startswith("postgres") and process.info["cpu_times"]:
                postgres[process.pid] = process.info["cpu_times"].user + process.info["cpu_times"].system
        total = psutil.cpu_times()
        return {"replicas": sum(sum(p.cpu_times()[:2]) for p in self.replicas),
                "bench": sum(self.me.cpu_times()[:2]),
                "busy": total.user + total.system + total.nice + getattr(total, "softirq", 0) + total.irq}, postgres

    def start(self) -> None:
        (self.started, self.postgres), self.wall = self._sample(), time.perf_counter()

    def stop(self) -> dict[str, float]:
        """Cores used on average over the phase, by group (PostgreSQL: its processes alive at the end, from
        the start or from when they began)."""
        (ended, postgres), wall = self._sample(), time.perf_counter() - self.wall
        used = {name: (ended[name] - self.started[name]) / wall for name in ended}
        used["postgres"] = sum(seconds - self.postgres.get(pid, 0.0) for pid, seconds in postgres.items()) / wall
        used["other"] = max(0.0, used["busy"] - used["replicas"] - used["postgres"] - used["bench"])
        return used


async def phase(url: str, https: list[httpx.AsyncClient], meter: CpuMeter, clients: int, seconds: float,
                tokens: list[str], area_id: str, photo: bytes) -> dict[str, float]:
    """`clients` phones reporting for `seconds`, round-robin over `https`."""
    latencies: list[float] = []
    failures = 0
    stop = asyncio.Event()
    sampler = asyncio.create_task(lock_sampler(url, url.rsplit("/", 1)[1], stop))
    meter.start()
    deadline = time.perf_counter() + seconds
    round_robin = itertools.cycle(https)

    async def phone(token: str) -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            ok = await report(next(round_robin), token, area_id, photo)
            latencies.append(time.perf_counter() - started)
            failures += 0 if ok else 1

    began = time.perf_counter()
    await asyncio.gather(*(phone(tokens[i % len(tokens)]) for i in range(clients)))
    wall = time.perf_counter() - began
    cpu = meter.stop()
    stop.set()
    waiting, seen = await sampler
    ordered = sorted(latencies)
    return {"replicas": len(https), "reports": len(latencies) - failures, "failures": failures,
            "per_s": (len(latencies) - failures) / wall, "p50": statistics.median(ordered) * 1000,
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
            "lock_share": waiting / seen if seen else 0.0, **{f"cpu_{k}": v for k, v in cpu.items()}}


async def report(http: httpx.AsyncClient, token: str, area_id: str, photo: bytes) -> bool:
    auth = {"Authorization": f"Bearer {token}"}
    try:
        ticket = (await http.post("/graphql", headers=auth, json={"query": REQUEST_UPLOAD, "variables": {"input": {
            "kind": "PHOTO", "contentType": "image/jpeg", "size": len(photo)}}})).json()["data"]["requestUpload"]
        put = await http.put(ticket["url"], content=photo, headers={h["name"]: h["value"] for h in ticket["headers"]})
        if put.status_code != 200:
            return False
        body = (await http.post("/graphql", headers=auth, json={"query": REPORT, "variables": {"input": {
            "clientId": str(uuid.uuid4()), "areaId": area_id, "description": "roof bolt loose at 40 m",
            "photoKeys": [ticket["key"]]}}})).json()
        return body["data"]["reportHazard"]["__typename"] == "Hazard"
    except (httpx.HTTPError, KeyError, TypeError, ValueError):
        return False


async def main(arguments: argparse.Namespace) -> None:
    from backend.accounts.models import User
    from backend.accounts.roles import Role
    from backend.accounts.security import issue_access_token
    from backend.accounts.service import principal_for
    from backend.audit.service import verify_chain
    from backend.config import Settings
    from backend.database.migrate import upgrade
    from backend.org import service as org_service
    from backend.org.models import AreaKind
    from backend.platform import Platform

    folder = tempfile.mkdtemp(prefix="minesafe-bench-replicas-")
    url = await fresh_database(False, folder)
    await asyncio.to_thread(upgrade, url)
    settings = Settings(environment="test", secret_key=SECRET, database_url=url, store_folder=Path(folder),
                        public_url="http://127.0.0.1:0", alerts_sweep_interval_seconds=0)
    platform = Platform.from_settings(settings)
    async with platform.session_factory() as session:
        mine = await org_service.create_mine(session=session, code=uuid.uuid4().hex[:12], name="Bench mine")
        area = await org_service.create_area(session=session, mine_id=mine.id, name="Face", kind=AreaKind.WORKING_FACE)
        miners = [User(mine_id=mine.id, username=f"m{i}-{mine.code}", display_name=f"miner {i}", password_hash="-",
                       roles=[Role.MINER.value], area_id=area.id) for i in range(24)]
        session.add_all(miners)
        await session.commit()
    tokens = [issue_access_token(principal_for(m), secret=SECRET, minutes=120) for m in miners]
    photo = small_jpeg()
    if arguments.replica_cores and not can_cap_cpu():
        raise SystemExit(f"--replica-cores needs a writable {CPU_CGROUPS} (cgroup v1 cpu, as root)")
    print(f"PostgreSQL; {arguments.clients} phones; {arguments.rounds} rounds of {arguments.seconds:.0f} s on 1 "
          f"replica then {arguments.seconds:.0f} s on 2; photo {len(photo)} bytes; {psutil.cpu_count()} CPU cores; "
          + (f"each replica capped at {arguments.replica_cores} cores" if arguments.replica_cores else
             "replicas not capped"), flush=True)
    servers = [await start_replica(url, folder) for _ in range(2)]
    quotas = [CpuQuota(process.pid, arguments.replica_cores) for process, _ in servers] if arguments.replica_cores \
        else []
    ratios: list[float] = []
    rows: list[dict[str, float]] = []
    try:
        https = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                   limits=httpx.Limits(max_connections=arguments.clients)) for _, port in servers]
        for http in https:  # warm-up: imports, caches, the first connections
            for _ in range(3):
                await report(http, tokens[0], str(area.id), photo)
        meter = CpuMeter([process.pid for process, _ in servers])
        for round_number in range(1, arguments.rounds + 1):
            pair = [await phase(url, https[:count], meter, arguments.clients, arguments.seconds, tokens,
                                str(area.id), photo) for count in (1, 2)]
            for row in pair:
                rows.append(row)
                print(f"round {round_number}, {int(row['replicas'])} replica(s): {row['per_s']:6.1f} reports/s  "
                      f"p50 {row['p50']:5.0f} ms  p99 {row['p99']:5.0f} ms  failed {int(row['failures'])}  "
                      f"waiting on a lock {row['lock_share']:4.0%}  cores used: replicas {row['cpu_replicas']:.2f}"
                      f", postgres {row['cpu_postgres']:.2f}, load generator {row['cpu_bench']:.2f}, other "
                      f"{row['cpu_other']:.2f} (machine busy {row['cpu_busy']:.2f} of {psutil.cpu_count()})",
                      flush=True)
            ratios.append(pair[1]["per_s"] / pair[0]["per_s"])
        for http in https:
            await http.aclose()
    finally:
        for process, _ in servers:
            process.terminate()
            await process.wait()
        for quota in quotas:
            quota.remove()
    async with platform.session_factory() as session:
        verdict = await verify_chain(session=session, mine_id=mine.id)
    await platform.close()
    print(f"audit chain after the runs: ok={verdict.ok}, {verdict.checked} entries checked")
    print("2 replicas / 1 replica, reports/s, per round: " + ", ".join(f"{r:.2f}×" for r in ratios)
          + f"; median {statistics.median(ratios):.2f}×")
    one = [r for r in rows if r["replicas"] == 1]
    two = [r for r in rows if r["replicas"] == 2]
    print(f"lock-wait share, median: 1 replica {statistics.median(r['lock_share'] for r in one):.0%}, "
          f"2 replicas {statistics.median(r['lock_share'] for r in two):.0%}; replica cores used, median: "
          f"{statistics.median(r['cpu_replicas'] for r in one):.2f} → "
          f"{statistics.median(r['cpu_replicas'] for r in two):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--replica-cores", type=float, default=0.0,
                        help="cap each replica at this many cores (cgroup quota); 0: no cap")
    asyncio.run(main(parser.parse_args()))
