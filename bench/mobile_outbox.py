"""Benchmark of issue 3: drain an outbox of 50 photo reports to a local backend, against a bare script.

    .venv/bin/python bench/mobile_outbox.py [--reports 50] [--rounds 3]

Both sides send the same 50 reports (one 1600×1200 JPEG each, ~60 KiB) to the same local backend
(uvicorn, SQLite, folder store) with the same HTTP client (httpx.Client, one connection reused):
requestUpload → PUT the bytes → reportHazard. The app side is the real outbox: the reports are queued
first (photos copied into the app's folder, one committed SQLite row each), then OutboxSender.drain()
sends them, recording every step (sending, each uploaded key, sent) so that a crash at any point
neither loses nor duplicates a report. The bare side does the three calls and nothing else. Figures
are medians over the rounds; each round uses fresh reports.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mobile_common import MINER, PASSWORD, local_backend

from backend.seed import demo_photo
from mobile.api.client import ApiClient
from mobile.api.service import MineSafeApi
from mobile.api.session import SessionStore
from mobile.outbox.sender import OutboxSender
from mobile.outbox.store import ItemKind, ItemState, Outbox
from mobile.settings import AppSettings
from mobile.storage import LocalStore

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on AuthSession { accessToken } } }"""
AREAS = "{ areas { id name } }"
REQUEST_UPLOAD = """mutation($input: RequestUploadInput!) { requestUpload(input: $input) {
  __typename ... on UploadTicket { key url method headers { name value } } } }"""
REPORT = """mutation($input: ReportHazardInput!) { reportHazard(input: $input) {
  __typename ... on Hazard { id } ... on PhotoRejected { message } } }"""


def bare(url: str, photos: list[Path], area_id: str, tag: str) -> float:
    """The same three calls per report with a bare httpx.Client; returns seconds."""
    with httpx.Client(timeout=60) as http:
        token = http.post(f"{url}/graphql", json={"query": LOGIN, "variables": {"u": MINER, "p": PASSWORD}}
                          ).json()["data"]["login"]["accessToken"]
        auth = {"Authorization": f"Bearer {token}"}
        start = time.perf_counter()
        for i, path in enumerate(photos):
            body = path.read_bytes()
            ticket = http.post(f"{url}/graphql", headers=auth, json={"query": REQUEST_UPLOAD, "variables": {
                "input": {"kind": "PHOTO", "contentType": "image/jpeg", "size": len(body)}}}
                ).json()["data"]["requestUpload"]
            put = http.request(ticket["method"], ticket["url"], content=body,
                               headers={h["name"]: h["value"] for h in ticket["headers"]})
            put.raise_for_status()
            result = http.post(f"{url}/graphql", headers=auth, json={"query": REPORT, "variables": {"input": {
                "clientId": str(uuid.uuid4()), "areaId": area_id, "description": f"bare {tag} {i}",
                "photoKeys": [ticket["key"]], "suggestedGrade": "GENERAL"}}}).json()["data"]["reportHazard"]
            assert result["__typename"] == "Hazard", result
        return time.perf_counter() - start


def app(url: str, photos: list[Path], area_id: str, folder: Path, tag: str) -> tuple[float, float]:
    """Queue every report in the real outbox, then drain it; returns (queue seconds, drain seconds)."""
    store = LocalStore(folder / "minesafe.db")
    settings = AppSettings(store)
    settings.server_url = url
    sessions = SessionStore(store)
    client = ApiClient(server_url=lambda: settings.server_url, sessions=sessions, timeout=60)
    api = MineSafeApi(client)
    user = api.login(username=MINER, password=PASSWORD).user
    outbox = Outbox(store, folder / "photos")
    start = time.perf_counter()
    for i, path in enumerate(photos):
        outbox.add(kind=ItemKind.REPORT_HAZARD, owner_id=user.id, title=f"app {tag} {i}", photos=[path],
                   payload={"areaId": area_id, "description": f"app {tag} {i}", "suggestedGrade": "GENERAL"})
    queued = time.perf_counter() - start
    start = time.perf_counter()
    result = OutboxSender(outbox=outbox, api=api).drain(owner_id=user.id)
    drained = time.perf_counter() - start
    assert result[ItemState.SENT] == len(photos), result
    client.close()
    store.close()
    return queued, drained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pictures = folder / "pictures"
        pictures.mkdir()
        with local_backend(folder / "backend") as url:
            with httpx.Client() as http:
                token = http.post(f"{url}/graphql", json={"query": LOGIN, "variables": {"u": MINER, "p": PASSWORD}}
                                  ).json()["data"]["login"]["accessToken"]
                area_id = http.post(f"{url}/graphql", json={"query": AREAS},
                                    headers={"Authorization": f"Bearer {token}"}).json()["data"]["areas"][0]["id"]
            bare_s, queue_s, drain_s = [], [], []
            size = 0
            for round_no in range(args.rounds):
                photos = []
                for i in range(args.reports):
                    path = pictures / f"r{round_no}-{i}.jpg"
                    path.write_bytes(demo_photo(f"round {round_no} photo {i}", (round_no * 50 + i) * 5))
                    size += path.stat().st_size
                    photos.append(path)
                bare_s.append(bare(url, photos, area_id, f"r{round_no}"))
                q, d = app(url, photos, area_id, folder / f"phone-{round_no}", f"r{round_no}")
                queue_s.append(q)
                drain_s.append(d)
                print(f"round {round_no + 1}: bare {bare_s[-1]:.2f} s, outbox queue {q:.2f} s + drain {d:.2f} s",
                      flush=True)
    n = args.reports
    b, q, d = statistics.median(bare_s), statistics.median(queue_s), statistics.median(drain_s)
    print(f"\n{n} photo reports (mean photo {size / (n * args.rounds) / 1024:.0f} KiB), median of {args.rounds} rounds")
    print(f"  bare httpx script             {b:7.2f} s  ({b / n * 1000:6.1f} ms/report)")
    print(f"  app outbox drain              {d:7.2f} s  ({d / n * 1000:6.1f} ms/report)  {d / b:5.2f}× bare")
    print(f"  app outbox queueing (offline) {q:7.2f} s  ({q / n * 1000:6.1f} ms/report)")


if __name__ == "__main__":
    main()
