"""Benchmark of issue 6: 500 people taking the same exam at once, against a bare FastAPI endpoint.

    .venv/bin/python bench/training_exam.py [--people 500] [--questions 10] [--sqlite] [--workers 2]
        [--rounds 3] [--paced SECONDS] [--pool N] [--compare-tree DIR]

Set-up (not timed): a fresh database (PostgreSQL by default, `--sqlite` for the embedded default),
one mine with N people, a 40-question bank and an exam of 10 questions open to everyone. The servers
run as separate uvicorn processes on the same database, all started, taking turns burst after burst
(`--rounds`), so that a shared machine's load falls on every side alike:

* minesafe: the real app (GraphQL, bearer token, `startExamAttempt`, then `saveAnswer` for every
  question: owner, state and server-clock deadline checks, answer-shape check, upsert by revision);
* bare: a FastAPI endpoint with a pydantic body doing the same work by hand with SQLAlchemy Core and the
  same engine settings: bearer token, then the same one statement as saveAnswer (every check in its WHERE,
  shared lock on the attempt row on PostgreSQL, upsert by revision; no GraphQL, no ORM);
* with `--compare-tree DIR` (repeatable): minesafe from another source tree (say `git archive` of the commit
  before a change) as one more side, so that before and after are measured in the same run.

The load generator starts N concurrent "people"; each saves its answers one after the other (N×10
saves in all) over a pool of keep-alive connections. Reported: saves per second (wall clock), latency
percentiles per save and the CPU time the server's processes spent per save (steadier than the wall clock on
a shared machine), the medians of the bursts, and each side's throughput as a ratio of the bare one's in the
same round. `--paced`: the realistic load (each person saves every 5-20 s) on each minesafe side.
Every person's attempt is then submitted through minesafe and the graded answer count is checked.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel
from scratch_postgres import scratch_postgres

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"
START = """mutation($exam: ID!) { startExamAttempt(examId: $exam) { __typename
  ... on ExamAttempt { id questions { id } } ... on InvalidTransition { message } ... on NotAllowed { message } } }"""
SAVE = """mutation($input: SaveAnswerInput!) { saveAnswer(input: $input) { __typename
  ... on SavedAnswer { revision } ... on InvalidTransition { message } ... on ValidationFailed { message } } }"""
SUBMIT = """mutation($a: ID!) { submitExamAttempt(attemptId: $a) { __typename
  ... on ExamAttempt { outcome { score correctCount } } } }"""


def pool_limits() -> dict[str, int]:
    """`--pool N` (BENCH_POOL, inherited by the servers): N connections per process and no overflow, both sides."""
    pool = os.environ.get("BENCH_POOL")
    return {"pool_size": int(pool), "max_overflow": 0} if pool else {}


def settings_for(database_url: str, port: int, store: str) -> Any:
    from backend.config import Settings

    pool = {f"database_{k}": v for k, v in pool_limits().items()}
    return Settings(environment="test", secret_key=SECRET, database_url=database_url,
                    public_url=f"http://127.0.0.1:{port}", store_folder=Path(store), **pool)


# --- the servers (run in their own processes) ---------------------------------------------
class Answer(BaseModel):
    """The baseline's request body."""

    attempt_id: uuid.UUID
    question_id: uuid.UUID
    chosen: list[int]
    revision: int = 0


def bare_app(database_url: str) -> Any:
    """The baseline: one FastAPI endpoint doing saveAnswer's work by hand — the bearer token, then the same one
    statement (`save_answer_statement`: owner / state / server-clock deadline / question / answer-shape checks
    in its WHERE, the attempt row shared-locked on PostgreSQL, the upsert by revision with RETURNING), commit —
    without GraphQL or the ORM. Its process imports what minesafe's does, and freezes its start-up heap as
    minesafe's server does (`freeze_startup_heap`), so neither pays for collections of a heap it does not use."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Header, HTTPException

    from backend.accounts.security import decode_access_token
    from backend.database.base import utcnow
    from backend.database.session import create_engine
    from backend.main import freeze_startup_heap
    from backend.training.exams.service import save_answer_statement

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        freeze_startup_heap()
        yield

    engine = create_engine(database_url, **pool_limits())
    app = FastAPI(lifespan=lifespan)

    @app.post("/answer")
    async def answer(body: Answer, authorization: str = Header()) -> dict[str, int]:
        principal = decode_access_token(authorization.removeprefix("Bearer "), secret=SECRET)
        picked = sorted(set(body.chosen))
        if body.revision < 0 or (picked and picked[0] < 0):
            raise HTTPException(422, "a revision and the options are 0 or more")
        async with engine.begin() as connection:
            statement, params = save_answer_statement(
                engine.dialect.name, mine_id=principal.mine_id, user_id=principal.id, attempt_id=body.attempt_id,
                question_id=body.question_id, picked=picked, revision=body.revision, now=utcnow())
            written = (await connection.execute(statement, params)).first()
        if written is None:
            raise HTTPException(409, "the answer was refused or is older than the saved one")
        return {"revision": body.revision}

    return app


def app_factory() -> Any:
    """The app of one uvicorn worker process (`--workers` > 1), configured through the environment."""
    from backend.main import create_app

    kind, database_url = os.environ["BENCH_KIND"], os.environ["BENCH_DATABASE"]
    if kind == "bare":
        return bare_app(database_url)
    return create_app(settings_for(database_url, int(os.environ["BENCH_PORT"]), os.environ["BENCH_STORE"]))


def serve(kind: str, database_url: str, port: int, store: str, workers: int) -> None:
    """Both sides as `minesafe serve --workers N` deploys: each worker on its own SO_REUSEPORT listener (an
    older tree of --compare-tree without backend.http.workers: uvicorn's shared socket)."""
    try:
        from backend.http.workers import serve as serve_workers
    except ImportError:
        import uvicorn

        serve_workers = uvicorn.run
    os.environ.update(BENCH_KIND=kind, BENCH_DATABASE=database_url, BENCH_PORT=str(port), BENCH_STORE=store)
    serve_workers("training_exam:app_factory", factory=True, app_dir=str(ROOT / "bench"), workers=workers,
                  host="127.0.0.1", port=port, log_level="warning", lifespan="on", backlog=2048,
                  timeout_keep_alive=120)


# --- set-up --------------------------------------------------------------------------------
async def fresh_database(use_sqlite: bool, folder: str) -> str:
    if use_sqlite:
        return f"sqlite+aiosqlite:///{folder}/bench.db"
    return await scratch_postgres()


async def populate(database_url: str, people: int, questions: int, store: str) -> tuple[str, list[str]]:
    """One mine, `people` miners and a safety officer, a bank and an exam; returns (exam id, tokens)."""
    from backend.accounts.models import User
    from backend.accounts.roles import Role
    from backend.accounts.security import hash_password, issue_access_token
    from backend.accounts.service import principal_for
    from backend.org import service as org_service
    from backend.platform import Platform
    from backend.training.bank import flows as bank_flows
    from backend.training.bank.formats import BankFormat
    from backend.training.bank.rules import DrawRule
    from backend.training.exams import flows as exam_flows

    platform = Platform.from_settings(settings_for(database_url, 0, store))
    try:
        async with platform.session_factory() as session:
            mine = await org_service.create_mine(session=session, code=uuid.uuid4().hex[:10], name="Bench mine")
            password = hash_password("bench password")
            officer = User(mine_id=mine.id, username=f"officer-{mine.code}", display_name="officer",
                           password_hash=password, roles=[Role.SAFETY_OFFICER.value])
            miners = [User(mine_id=mine.id, username=f"m{i}-{mine.code}", display_name=f"miner {i}",
                           password_hash=password, roles=[Role.MINER.value]) for i in range(people)]
            session.add_all([officer, *miners])
            await session.flush()
            bank = [{"kind": "SINGLE", "text": f"bench question {i}", "options": ["a", "b", "c", "d"],
                     "correct": [i % 4], "tags": ["gas"], "difficulty": 1 + i % 5} for i in range(40)]
            actor = principal_for(officer)
            outcome = await bank_flows.import_questions(session, actor=actor, content=json.dumps(bank),
                                                        fmt=BankFormat.JSON)
            assert not outcome.errors, outcome.errors
            exam = await exam_flows.create_exam(session, actor=actor, data=exam_flows.ExamData(
                title="Bench exam", rules=[DrawRule(count=questions, tag="gas")], time_limit_minutes=60,
                open_to_all=True, max_attempts=0))
            await session.commit()
            tokens = [issue_access_token(principal_for(m), secret=SECRET, minutes=120) for m in miners]
            return str(exam.id), tokens
    finally:
        await platform.close()


async def clear_answers(database_url: str) -> None:
    from sqlalchemy import delete

    from backend.database.session import create_engine
    from backend.training.exams.models import AttemptAnswer

    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(delete(AttemptAnswer))
    await engine.dispose()


# --- load ----------------------------------------------------------------------------------
class RawPool:
    """A minimal HTTP/1.1 keep-alive client (asyncio streams): cheap enough on the shared CPUs that the
    servers, not the load generator, set the pace. Every request waits for a free connection."""

    def __init__(self, port: int, size: int) -> None:
        self.port = port
        self.size = size
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.waiting: collections.deque[asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = (
            collections.deque())

    async def open(self) -> None:
        for _ in range(self.size):
            self.idle.append(await asyncio.open_connection("127.0.0.1", self.port))

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()

    async def acquire(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """First come, first served (a returned connection is handed to the longest waiter)."""
        if self.idle and not self.waiting:
            return self.idle.pop()
        future: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.get_running_loop().create_future())
        self.waiting.append(future)
        return await future

    def release(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        if self.waiting:
            self.waiting.popleft().set_result(connection)
        else:
            self.idle.append(connection)

    async def post(self, path: str, body: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
        payload = json.dumps(body).encode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}"
                f"Content-Length: {len(payload)}\r\n\r\n").encode()
        reader, writer = await self.acquire()
        try:
            writer.write(head + payload)
            status_line = await reader.readline()
            if not status_line:  # the server closed this idle kept-alive connection (keep-alive timeout): once more
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(head + payload)
                status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("the server closed the connection")
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "transfer-encoding":
                    raise RuntimeError("chunked responses are not expected here")
            data = await reader.readexactly(length)
        except Exception:
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            raise
        finally:
            self.release((reader, writer))
        return int(status_line.split()[1]), json.loads(data)


def start_server(kind: str, database_url: str, port: int, store: str, workers: int,
                 tree: Path = ROOT) -> subprocess.Popen[bytes]:
    """A server in its own process: minesafe or bare from this tree, or minesafe from another source tree."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    process = subprocess.Popen([sys.executable, str(tree / "bench" / "training_exam.py"), "--serve", kind,
                                "--database", database_url, "--port", str(port), "--store", store,
                                "--workers", str(workers)], cwd=tree, env=env)
    deadline = time.monotonic() + 180  # a loaded machine imports and builds the schema slowly
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            if workers == 1 or listening_workers(process, port) >= workers:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {kind} server did not start")


def listening_workers(server: subprocess.Popen[bytes], port: int) -> int:
    """How many of the server's worker processes listen on the port. A worker listens only once its app has
    started, and the bench's kept-alive connections are opened once: opened while one worker was still
    starting, they all stayed with the other (0.31x instead of 0.60x in one run of docs/benchmarks.md)."""
    import psutil

    listening = 0
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            sockets = child.net_connections(kind="tcp")
        except psutil.Error:
            continue
        listening += any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets)
    return listening


def cpu_seconds(server: subprocess.Popen[bytes]) -> float:
    """CPU time (user + system) used so far by the server's processes: its workers and their supervisor."""
    import psutil

    root = psutil.Process(server.pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run_people(people: list[Any], save: Any) -> tuple[float, list[float], int]:
    """Every person saves their answers one after another, all people at once."""
    latencies: list[float] = []
    failures = 0

    async def person(item: Any) -> None:
        nonlocal failures
        for request in item:
            began = time.perf_counter()
            try:
                ok = await save(request)
            except (OSError, RuntimeError, ValueError, KeyError, asyncio.IncompleteReadError):
                ok = False
            latencies.append(time.perf_counter() - began)
            failures += 0 if ok else 1

    began = time.perf_counter()
    await asyncio.gather(*(person(p) for p in people))
    return time.perf_counter() - began, latencies, failures


async def run_paced(people: list[Any], save: Any, seconds: float) -> tuple[float, list[float], int]:
    """The realistic load: each person saves every 5-20 s (uniformly drawn, first one at a random moment of
    the first 20 s) until `seconds` are over; 500 people make about 40 saves/s."""
    import random

    rng = random.Random(17)
    latencies: list[float] = []
    failures = 0
    began = time.perf_counter()
    deadline = began + seconds

    async def person(plan: Any) -> None:
        nonlocal failures
        await asyncio.sleep(rng.uniform(0, 20))
        n = 0
        while time.perf_counter() < deadline:
            token, attempt_id, question_id = plan[n % len(plan)]
            started = time.perf_counter()
            try:
                ok = await save((token, attempt_id, question_id), revision=2 + n)
            except (OSError, RuntimeError, ValueError, KeyError, asyncio.IncompleteReadError):
                ok = False
            latencies.append(time.perf_counter() - started)
            failures += 0 if ok else 1
            n += 1
            await asyncio.sleep(rng.uniform(5, 20))

    await asyncio.gather(*(person(p) for p in people))
    return time.perf_counter() - began, latencies, failures


def stats(wall: float, latencies: list[float], failures: int) -> dict[str, float]:
    return {"wall": wall, "count": len(latencies), "failures": failures, "rate": len(latencies) / wall,
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "max": max(latencies)}


async def main(args: argparse.Namespace) -> None:
    folder = tempfile.mkdtemp(prefix="minesafe-bench-")
    store = str(Path(folder) / "objects")
    database_url = await fresh_database(args.sqlite, folder)
    from backend.database.migrate import upgrade

    await asyncio.to_thread(upgrade, database_url)
    exam_id, tokens = await populate(database_url, args.people, args.questions, store)
    sides: dict[str, tuple[str, Path]] = {BARE: ("bare", ROOT), OURS: ("minesafe", ROOT)}
    for tree in args.compare_tree:
        sides[f"saveAnswer of {tree.name}/"] = ("minesafe", tree)
    ports = {name: free_port() for name in sides}
    servers: dict[str, subprocess.Popen[bytes]] = {}
    pools: dict[str, RawPool] = {}
    bursts: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    paced: dict[str, dict[str, float]] = {}
    try:
        for name, (kind, tree) in sides.items():
            servers[name] = start_server(kind, database_url, ports[name], store, args.workers, tree)
            pools[name] = RawPool(ports[name], args.connections)
            await pools[name].open()
        ours = pools[OURS]

        async def gql(query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
            status, body = await ours.post("/graphql", {"query": query, "variables": variables}, token)
            assert status == 200, body
            return body["data"]

        began = time.perf_counter()
        attempts = await asyncio.gather(*(gql(START, {"exam": exam_id}, t) for t in tokens))
        print(f"{args.people} attempts started in {time.perf_counter() - began:.2f} s")
        plans = []
        for token, data in zip(tokens, attempts, strict=True):
            attempt = data["startExamAttempt"]
            assert attempt["__typename"] == "ExamAttempt", attempt
            plans.append([(token, attempt["id"], q["id"]) for q in attempt["questions"]])

        def saver(name: str) -> Any:
            pool = pools[name]

            async def save(item: tuple[str, str, str], revision: int) -> bool:
                token, attempt_id, question_id = item
                if sides[name][0] == "bare":
                    status, _ = await pool.post("/answer", {"attempt_id": attempt_id, "question_id": question_id,
                                                            "chosen": [1], "revision": revision}, token)
                    return status == 200
                status, body = await pool.post("/graphql", {"query": SAVE, "variables": {"input": {
                    "attemptId": attempt_id, "questionId": question_id, "chosen": [1], "revision": revision}}},
                                               token)
                answer = (body.get("data") or {}).get("saveAnswer") or {}  # an outage answers data: null
                return status == 200 and answer.get("__typename") == "SavedAnswer"

            return save

        # the sides take turns, burst after burst, on the same attempts (the answers cleared before each burst):
        # a shared machine's load then falls on all of them alike
        for round_number in range(args.rounds):
            for name in sides:
                await clear_answers(database_url)
                save = saver(name)
                cpu_before = cpu_seconds(servers[name])
                burst = stats(*await run_people(plans, lambda item, save=save: save(item, 1)))
                burst["cpu_ms"] = (cpu_seconds(servers[name]) - cpu_before) / burst["count"] * 1000
                bursts[name].append(burst)
            print(f"round {round_number + 1}: " + ", ".join(f"{n} {bursts[n][-1]['rate']:.0f}/s" for n in sides))
        if args.paced:
            for name in sides:
                if sides[name][0] == "minesafe":
                    paced[name] = stats(*await run_paced(plans, saver(name), args.paced))
        graded = await asyncio.gather(*(gql(SUBMIT, {"a": plan[0][1]}, plan[0][0]) for plan in plans))
        assert {g["submitExamAttempt"]["outcome"]["correctCount"] is not None for g in graded} == {True}
    finally:
        for pool in pools.values():
            await pool.close()
        for server in servers.values():
            server.terminate()
            server.wait(timeout=20)
    report(args, bursts, paced)


BARE, OURS = "bare FastAPI, same checks (baseline)", "minesafe saveAnswer (GraphQL)"


def report(args: argparse.Namespace, bursts: dict[str, list[dict[str, float]]],
           paced: dict[str, dict[str, float]]) -> None:
    import statistics

    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"\n{args.people} people × {args.questions} answers over {args.connections} connections, {backend}, "
          f"{args.workers} uvicorn worker(s) each, {args.rounds} interleaved burst(s) a side")
    print(f"{'path':<38} {'saves':>6} {'failed':>6} {'saves/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7}"
          "  (burst medians; CPU: the server's processes, per save)")
    for name, runs in bursts.items():
        print(f"{name:<38} {int(sum(r['count'] for r in runs)):>6} {int(sum(r['failures'] for r in runs)):>6} "
              f"{statistics.median(r['rate'] for r in runs):>8.0f} "
              f"{statistics.median(r['p50'] for r in runs) * 1000:>8.0f} "
              f"{statistics.median(r['p99'] for r in runs) * 1000:>8.0f} "
              f"{statistics.median(r['cpu_ms'] for r in runs):>7.2f}")
    for name in bursts:
        if name != BARE:
            ratios = [o["rate"] / b["rate"] for o, b in zip(bursts[name], bursts[BARE], strict=True)]
            print(f"{name} throughput = {statistics.median(ratios):.2f}× bare (per round: "
                  f"{', '.join(f'{r:.2f}' for r in ratios)})")
    for name, r in paced.items():
        print(f"realistic load, {name}: {args.people} people each saving every 5-20 s for {args.paced:.0f} s: "
              f"{int(r['count'])} saves ({r['rate']:.1f}/s), {int(r['failures'])} failed, "
              f"p50 {r['p50'] * 1000:.0f} ms, p99 {r['p99'] * 1000:.0f} ms, max {r['max'] * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--connections", type=int, default=100, help="HTTP keep-alive connections the people share")
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite default instead of PostgreSQL")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes per server (both servers)")
    parser.add_argument("--pool", type=int, help="database connections per server process, no overflow (both "
                        "servers; default: the app's 20 + 20 on PostgreSQL)")
    parser.add_argument("--paced", type=float, default=0, metavar="SECONDS",
                        help="also the realistic load for this long: each person saves every 5-20 s (minesafe)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved bursts per side (medians reported)")
    parser.add_argument("--compare-tree", metavar="DIR", action="append", default=[],
                        help="also a minesafe server from another source tree (e.g. `git archive` of the commit "
                        "before a change), interleaved with the others; may be repeated")
    parser.add_argument("--serve", choices=["minesafe", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    arguments.compare_tree = [Path(tree).resolve() for tree in arguments.compare_tree]
    if arguments.pool:
        os.environ["BENCH_POOL"] = str(arguments.pool)
    if arguments.serve:
        serve(arguments.serve, arguments.database, arguments.port, arguments.store, arguments.workers)
    else:
        asyncio.run(main(arguments))
