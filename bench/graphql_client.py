"""The contract's GraphQL client (contracts.client: http.client, kept alive per thread) against the httpx client
the bridge used before it (one pooled keep-alive connection), on the bridge's own calls to a live backend.

    .venv/bin/python bench/graphql_client.py [--rounds 40] [--postgres]

Set-up (not timed): the sensors benchmark's mine (3,000 CH4 sensors, a sensor-bridge token) and a backend in its
own uvicorn process (`minesafe serve`). Then, in rounds that alternate the two clients (so a busy machine hurts
both alike): one ``ingestSensorBatch`` of 100 readings (a substation's batch, a fresh batch id each time) and one
``sensorBridgeConfig`` (3,000 sensors in the answer, about 1 MB), and ``{ __typename }`` (almost nothing but the
clients' own cost). Prints per-call p50 / p95 for each client and the
ratio contract / httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sensors_alert_latency import ROOT, live_backend, pct  # the same dir: bench/

from contracts.client import GraphQLClient, union_result
from sensors.api import CONFIG_QUERY, INGEST_MUTATION

assert ROOT.is_dir()
PING = "query Ping { __typename }"
OPERATIONS = ("ingest", "config", "ping")


def batch(readings: int = 100) -> dict[str, object]:
    ts = datetime.now(UTC).isoformat()
    return {"input": {"batchId": str(uuid.uuid4()), "bridgeSeq": 1, "alarmChanges": [],
                      "readings": [{"sensorCode": f"S{i:05d}", "value": 0.3, "ts": ts, "fault": False}
                                   for i in range(readings)]}}


def with_httpx(http: httpx.Client, endpoint: str) -> Callable[[str, dict[str, object]], dict[str, object]]:
    """The bridge's call before the contract's client: one pooled httpx client."""
    def call(document: str, variables: dict[str, object]) -> dict[str, object]:
        response = http.post(endpoint, json={"query": document, "variables": variables})
        response.raise_for_status()
        return dict(response.json()["data"])
    return call


Call = Callable[[str, dict[str, object]], dict[str, object]]


def timed(call: Call, document: str, variables: dict[str, object]) -> float:
    started = time.perf_counter()
    call(document, variables)
    return (time.perf_counter() - started) * 1000


def measure(endpoint: str, token: str, rounds: int) -> dict[tuple[str, str], list[float]]:
    """Per-call milliseconds of each client and operation, the clients alternating round by round."""
    http = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    clients: dict[str, Call] = {"httpx (pooled)": with_httpx(http, endpoint),
                                "contracts.client": GraphQLClient(endpoint, token=token, timeout=30).execute}
    times: dict[tuple[str, str], list[float]] = {(name, op): [] for name in clients for op in OPERATIONS}
    try:
        for call in clients.values():  # warm both: the server's caches, the first connection
            union_result(call(INGEST_MUTATION, batch()), "ingestSensorBatch", "SensorBatchAccepted")
            union_result(call(CONFIG_QUERY, {}), "sensorBridgeConfig", "SensorBridgeConfig")
        for round_no in range(rounds):
            order = list(clients.items()) if round_no % 2 == 0 else list(reversed(clients.items()))
            for name, call in order:
                times[(name, "ingest")].append(timed(call, INGEST_MUTATION, batch()))
                times[(name, "config")].append(timed(call, CONFIG_QUERY, {}))
                times[(name, "ping")].append(timed(call, PING, {}))
    finally:
        http.close()
    return times


async def run(args: argparse.Namespace) -> None:
    port = 19000 + uuid.uuid4().int % 900
    _, ids, backend = await live_backend(postgres=args.postgres,
                                         tmp=Path(tempfile.mkdtemp(prefix="minesafe-bench-client-")), port=port)
    try:
        times = await asyncio.to_thread(measure, f"http://127.0.0.1:{port}/graphql", ids["bridge_token"],
                                        args.rounds)
    finally:
        backend.terminate()
        backend.wait(10)
    db = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{db}, {args.rounds} rounds, clients alternating; per call, ms")
    for op, what in zip(OPERATIONS, ("ingestSensorBatch, 100 readings", "sensorBridgeConfig, 3,000 sensors",
                                     "{ __typename }"), strict=True):
        base, ours = times[("httpx (pooled)", op)], times[("contracts.client", op)]
        print(f"  {what}: httpx p50 {statistics.median(base):.1f} p95 {pct(base, 0.95):.1f} | contracts.client "
              f"p50 {statistics.median(ours):.1f} p95 {pct(ours, 0.95):.1f} | ratio p50 "
              f"{statistics.median(ours) / statistics.median(base):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--postgres", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
