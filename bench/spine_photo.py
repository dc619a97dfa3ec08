"""Benchmark (a) of issue 2: reportHazard with a 4000×3000 JPEG, end to end, against bare Pillow.

    .venv/bin/python bench/spine_photo.py [--rounds 7] [--s3]

Each round is what a phone does: `requestUpload`, PUT the 4000×3000 JPEG to the URL it got, then
`reportHazard` naming the key (the backend reads the object back, verifies it, re-encodes it without
metadata, makes the thumbnail, stores both and commits the hazard with its audit entry). The app runs
in-process over ASGI on a fresh SQLite database with the folder store, or with `--s3` against a
real S3 server (SeaweedFS, started here). The baseline, in the same run on the same bytes, is the same
photo work written plainly with Pillow (`spine_report_photo.plain_pillow`: verify, decode, orientation,
2560 px re-encode, 320 px thumbnail). Figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spine_report_photo import camera_jpeg, plain_pillow  # noqa: E402

from backend.config import Settings  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.hazards.photos import process_photo  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.platform import Platform  # noqa: E402
from backend.seed import DEMO_PASSWORD, seed_demo_mine  # noqa: E402

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
  __typename ... on AuthSession { accessToken } } }"""
AREAS = "{ areas { id name } }"
REQUEST_UPLOAD = """mutation($input: RequestUploadInput!) { requestUpload(input: $input) {
  __typename ... on UploadTicket { key url method headers { name value } } } }"""
REPORT = """mutation($input: ReportHazardInput!) { reportHazard(input: $input) {
  __typename ... on Hazard { id state photos { width height } } ... on PhotoRejected { message } } }"""


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await fn()
    return time.perf_counter() - start


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
              token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"GraphQL failed: {response.status_code} {body}")
    return body["data"]


async def run(rounds: int, use_s3: bool) -> None:
    data = camera_jpeg()
    work = Path(tempfile.mkdtemp(prefix="minesafe-bench-"))
    os.chdir(work)  # the demo seed writes var/demo-devices.json under the working directory
    s3_server = None
    overrides: dict[str, Any] = {}
    if use_s3:
        from tests.s3_server import start_s3_server

        s3_server = start_s3_server(work / "s3")
        overrides = {key.removeprefix("MINESAFE_").lower(): value
                     for key, value in s3_server.settings_env().items()}
    settings = Settings(_env_file=None, environment="test", secret_key="bench-" + "x" * 40,
                        database_url=f"sqlite+aiosqlite:///{work / 'bench.db'}", public_url="http://bench",
                        store_folder=work / "objects", **overrides)
    try:
        await asyncio.to_thread(upgrade, settings.database_url)
        with contextlib.redirect_stdout(io.StringIO()):
            await seed_demo_mine(settings)
        platform = Platform.from_settings(settings)
        app = create_app(settings, platform)
        app.state.platform = platform
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     timeout=120) as http:
            login = await gql(http, LOGIN, {"u": "kuanggong1", "p": DEMO_PASSWORD})
            token = login["login"]["accessToken"]
            area = (await gql(http, AREAS, token=token))["areas"][0]["id"]

            async def upload() -> str:
                ticket = (await gql(http, REQUEST_UPLOAD, {"input": {
                    "kind": "PHOTO", "contentType": "image/jpeg", "size": len(data)}}, token=token))["requestUpload"]
                headers = {h["name"]: h["value"] for h in ticket["headers"]}
                if ticket["url"].startswith("http://bench"):
                    response = await http.put(ticket["url"], content=data, headers=headers)
                else:
                    async with httpx.AsyncClient() as direct:
                        response = await direct.put(ticket["url"], content=data, headers=headers)
                response.raise_for_status()
                return ticket["key"]

            async def report(key: str) -> None:
                result = (await gql(http, REPORT, {"input": {
                    "clientId": str(uuid.uuid4()), "areaId": area, "description": "benchmark: roof bolt",
                    "photoKeys": [key]}}, token=token))["reportHazard"]
                if result["__typename"] != "Hazard" or result["photos"][0]["width"] != 2560:
                    raise RuntimeError(f"unexpected result {result}")

            await report(await upload())  # warm-up: imports, caches, first connections
            e2e, report_only, verify, bare = [], [], [], []
            for _ in range(rounds):
                start = time.perf_counter()
                key = await upload()
                middle = time.perf_counter()
                await report(key)
                end = time.perf_counter()
                e2e.append(end - start)
                report_only.append(end - middle)
                bare.append(await timed(lambda: asyncio.to_thread(plain_pillow, data)))
                verify.append(await timed(lambda: asyncio.to_thread(
                    process_photo, data, max_bytes=settings.max_photo_bytes, max_pixels=settings.max_photo_pixels,
                    max_side=settings.photo_max_side, thumbnail_side=settings.thumbnail_side)))
        await platform.close()
    finally:
        if s3_server is not None:
            from tests.s3_server import stop_s3_server

            stop_s3_server(s3_server)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:7.1f} ms"

    baseline = statistics.median(bare)
    store = "S3 (SeaweedFS)" if use_s3 else "folder"
    print(f"4000×3000 JPEG, {len(data) / 1e6:.1f} MB, {rounds} rounds, store: {store}, medians:")
    print(f"  baseline  plain Pillow, same photo work           {ms(bare)}   1.00×")
    print(f"  photo verification alone (process_photo)            {ms(verify)}   "
          f"{statistics.median(verify) / baseline:.2f}×")
    print(f"  reportHazard (read back, verify, store, commit)     {ms(report_only)}   "
          f"{statistics.median(report_only) / baseline:.2f}×")
    print(f"  end to end: requestUpload + PUT + reportHazard      {ms(e2e)}   "
          f"{statistics.median(e2e) / baseline:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--s3", action="store_true", help="use a real S3 server (SeaweedFS) as the object store")
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.s3))


if __name__ == "__main__":
    main()
