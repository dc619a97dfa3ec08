"""Benchmark of issue 6: 500 people taking the same exam at once, against a bare FastAPI endpoint.

    .venv/bin/python bench/training_exam.py [--people 500] [--questions 10] [--sqlite]

Set-up (not timed): a fresh database (PostgreSQL by default, `--sqlite` for the embedded default),
one mine with N people, a 40-question bank and an exam of 10 questions open to everyone. Two servers
run as separate uvicorn processes on the same database, one after the other:

* minesafe: the real app (GraphQL, bearer token, `startExamAttempt`, then `saveAnswer` for every
  question: owner, state and server-clock deadline checks, answer-shape check, upsert by revision);
* bare: a FastAPI endpoint with a pydantic body that upserts the same row into the same table with
  the same SQLAlchemy engine settings (no auth, no GraphQL, no checks).

The load generator starts N concurrent "people"; each saves its answers one after the other (N×10
saves in all). Reported: saves per second (wall clock) and latency percentiles per save. Every
person's attempt is then submitted through minesafe and the graded answer count is checked.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"
START = """mutation($exam: ID!) { startExamAttempt(examId: $exam) { __typename
  ... on ExamAttempt { id questions { id } } ... on InvalidTransition { message } ... on NotAllowed { message } } }"""
SAVE = """mutation($input: SaveAnswerInput!) { saveAnswer(input: $input) { __typename
  ... on SavedAnswer { revision } ... on InvalidTransition { message } ... on ValidationFailed { message } } }"""
SUBMIT = """mutation($a: ID!) { submitExamAttempt(attemptId: $a) { __typename
  ... on ExamAttempt { outcome { score correctCount } } } }"""


def settings_for(database_url: str, port: int, store: str) -> Any:
    from backend.config import Settings

    return Settings(environment="test", secret_key=SECRET, database_url=database_url,
                    public_url=f"http://127.0.0.1:{port}", store_folder=Path(store))


# --- the servers (run in their own processes) ---------------------------------------------
class Answer(BaseModel):
    """The baseline's request body."""

    attempt_id: uuid.UUID
    question_id: uuid.UUID
    chosen: list[int]
    revision: int = 0


def bare_app(database_url: str) -> Any:
    """The baseline: one FastAPI endpoint upserting an answer row, nothing else."""
    from fastapi import FastAPI
    from sqlalchemy.dialects.postgresql import insert as postgres_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from backend.database.base import utcnow
    from backend.database.session import create_engine
    from backend.training.models import AttemptAnswer

    engine = create_engine(database_url)
    insert = postgres_insert if engine.dialect.name == "postgresql" else sqlite_insert
    app = FastAPI()

    @app.post("/answer")
    async def answer(body: Answer) -> dict[str, int]:
        statement = insert(AttemptAnswer).values(id=uuid.uuid4(), attempt_id=body.attempt_id,
                                                 question_id=body.question_id, chosen=body.chosen,
                                                 revision=body.revision, saved_at=utcnow())
        statement = statement.on_conflict_do_update(
            index_elements=["attempt_id", "question_id"],
            set_={"chosen": statement.excluded.chosen, "revision": statement.excluded.revision,
                  "saved_at": statement.excluded.saved_at},
            where=AttemptAnswer.revision <= statement.excluded.revision)
        async with engine.begin() as connection:
            await connection.execute(statement)
        return {"revision": body.revision}

    return app


def serve(kind: str, database_url: str, port: int, store: str) -> None:
    import uvicorn

    from backend.main import create_app

    app = bare_app(database_url) if kind == "bare" else create_app(settings_for(database_url, port, store))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", backlog=2048,
                timeout_keep_alive=120)


# --- set-up --------------------------------------------------------------------------------
async def fresh_database(use_sqlite: bool, folder: str) -> str:
    if use_sqlite:
        return f"sqlite+aiosqlite:///{folder}/bench.db"
    import asyncpg

    admin = os.environ.get("MINESAFE_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    name = f"minesafe_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin.rsplit("/", 1)[0] + f"/{name}"


async def populate(database_url: str, people: int, questions: int, store: str) -> tuple[str, list[str]]:
    """One mine, `people` miners and a safety officer, a bank and an exam; returns (exam id, tokens)."""
    from backend.accounts.models import User
    from backend.accounts.roles import Role
    from backend.accounts.security import hash_password, issue_access_token
    from backend.accounts.service import principal_for
    from backend.org import service as org_service
    from backend.platform import Platform
    from backend.training import flows
    from backend.training.bank_io import BankFormat
    from backend.training.rules import DrawRule

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
            outcome = await flows.import_questions(session, actor=actor, content=json.dumps(bank), fmt=BankFormat.JSON)
            assert not outcome.errors, outcome.errors
            exam = await flows.create_exam(session, actor=actor, data=flows.ExamData(
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
    from backend.training.models import AttemptAnswer

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


def start_server(kind: str, database_url: str, port: int, store: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--database", database_url,
                                "--port", str(port), "--store", store], cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {kind} server did not start")


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


async def main(args: argparse.Namespace) -> None:
    folder = tempfile.mkdtemp(prefix="minesafe-bench-")
    store = str(Path(folder) / "objects")
    database_url = await fresh_database(args.sqlite, folder)
    from backend.database.migrate import upgrade

    await asyncio.to_thread(upgrade, database_url)
    exam_id, tokens = await populate(database_url, args.people, args.questions, store)
    port = free_port()
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    results: dict[str, dict[str, float]] = {}

    server = start_server("minesafe", database_url, port, store)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as http:
            async def gql(query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
                response = await http.post("/graphql", json={"query": query, "variables": variables},
                                           headers={"Authorization": f"Bearer {token}"})
                return response.json()["data"]

            began = time.perf_counter()
            attempts = await asyncio.gather(*(gql(START, {"exam": exam_id}, t) for t in tokens))
            start_seconds = time.perf_counter() - began
            plans = []
            for token, data in zip(tokens, attempts, strict=True):
                attempt = data["startExamAttempt"]
                assert attempt["__typename"] == "ExamAttempt", attempt
                plans.append([(token, attempt["id"], q["id"]) for q in attempt["questions"]])
            print(f"{args.people} attempts started in {start_seconds:.2f} s")

            pool = RawPool(port, args.connections)
            await pool.open()

            async def save_minesafe(item: tuple[str, str, str]) -> bool:
                token, attempt_id, question_id = item
                status, body = await pool.post("/graphql", {"query": SAVE, "variables": {"input": {
                    "attemptId": attempt_id, "questionId": question_id, "chosen": [1], "revision": 1}}}, token)
                return status == 200 and body["data"]["saveAnswer"]["__typename"] == "SavedAnswer"

            wall, latencies, failures = await run_people(plans, save_minesafe)
            await pool.close()
            results["minesafe saveAnswer (GraphQL)"] = {"wall": wall, "count": len(latencies), "failures": failures,
                                                        "p50": percentile(latencies, 50),
                                                        "p99": percentile(latencies, 99)}
            graded = await asyncio.gather(*(gql(SUBMIT, {"a": plan[0][1]}, plan[0][0]) for plan in plans))
            counted = {g["submitExamAttempt"]["outcome"]["correctCount"] is not None for g in graded}
            assert counted == {True}
    finally:
        server.terminate()
        server.wait(timeout=20)

    await clear_answers(database_url)
    server = start_server("bare", database_url, port, store)
    try:
        pool = RawPool(port, args.connections)
        await pool.open()
        try:
            async def save_bare(item: tuple[str, str, str]) -> bool:
                _, attempt_id, question_id = item
                status, _ = await pool.post("/answer", {"attempt_id": attempt_id, "question_id": question_id,
                                                        "chosen": [1], "revision": 1})
                return status == 200

            wall, latencies, failures = await run_people(plans, save_bare)
            results["bare FastAPI upsert (baseline)"] = {"wall": wall, "count": len(latencies), "failures": failures,
                                                         "p50": percentile(latencies, 50),
                                                         "p99": percentile(latencies, 99)}
        finally:
            await pool.close()
    finally:
        server.terminate()
        server.wait(timeout=20)

    backend = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"\n{args.people} people × {args.questions} answers over {args.connections} connections, {backend}, "
          "one uvicorn worker each")
    print(f"{'path':<34} {'saves':>6} {'failed':>6} {'saves/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, r in results.items():
        print(f"{name:<34} {int(r['count']):>6} {int(r['failures']):>6} {r['count'] / r['wall']:>8.0f} "
              f"{r['p50'] * 1000:>8.0f} {r['p99'] * 1000:>8.0f}")
    bare, ours = results["bare FastAPI upsert (baseline)"], results["minesafe saveAnswer (GraphQL)"]
    print(f"minesafe throughput = {(ours['count'] / ours['wall']) / (bare['count'] / bare['wall']):.2f}× bare")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--connections", type=int, default=100, help="HTTP keep-alive connections the people share")
    parser.add_argument("--sqlite", action="store_true", help="the embedded SQLite default instead of PostgreSQL")
    parser.add_argument("--serve", choices=["minesafe", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve, arguments.database, arguments.port, arguments.store)
    else:
        asyncio.run(main(arguments))
