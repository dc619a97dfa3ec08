"""Benchmark (a) of issue 2: reportHazard with a 4000×3000 JPEG end to end, over real HTTP.

    .venv/bin/python bench/spine_report_photo.py [--rounds 7]

Each round is what a phone does against a live uvicorn server (its own thread, loopback HTTP, a fresh
SQLite database, the folder store): `requestUpload`, PUT the JPEG to the URL it got, `reportHazard`
naming the key (the backend reads the object back, verifies it with Pillow, applies the orientation,
re-encodes it without metadata, makes the thumbnail, stores both and commits the hazard with its audit
entry). The baseline, in the same run on the same bytes: the same photo work written plainly with
Pillow (`plain_pillow`: verify, decode, orientation, 2560 px re-encode, 320 px thumbnail). Also shown:
`process_photo` alone (the backend's pure photo step).
Figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.accounts.models import User  # noqa: E402
from backend.accounts.security import hash_password, issue_access_token  # noqa: E402
from backend.accounts.service import principal_for  # noqa: E402
from backend.config import Settings  # noqa: E402
from backend.database.migrate import upgrade  # noqa: E402
from backend.database.session import create_engine, create_session_factory  # noqa: E402
from backend.hazards.photos import process_photo  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.org.models import Area, AreaKind, Mine  # noqa: E402

REQUEST_UPLOAD = """mutation($input: RequestUploadInput!) { requestUpload(input: $input) {
  __typename ... on UploadTicket { key url headers { name value } } } }"""
REPORT = """mutation($input: ReportHazardInput!) { reportHazard(input: $input) {
  __typename ... on Hazard { id photos { width height } } ... on PhotoRejected { message } } }"""


def camera_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A photo-like JPEG (gradient plus sensor-like noise) at quality 90, about a phone photo's size."""
    rng = random.Random(2)
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    image = Image.merge("RGB", (gradient, Image.blend(gradient, noise, 0.25), Image.blend(gradient, noise, 0.1)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def plain_pillow(data: bytes, *, max_side: int = 2560, thumbnail_side: int = 320) -> tuple[bytes, bytes]:
    """The baseline: the photo step's work written plainly with Pillow's defaults — verify, decode, apply the
    EXIF orientation, shrink to 2560 px (Image.thumbnail: bicubic), re-encode at quality 85 without metadata,
    and a 320 px thumbnail of the decoded photo at quality 80."""
    Image.open(io.BytesIO(data)).verify()
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    thumb = image.copy()
    image.thumbnail((max_side, max_side))
    photo, small = io.BytesIO(), io.BytesIO()
    image.save(photo, "JPEG", quality=85)
    thumb.thumbnail((thumbnail_side, thumbnail_side))
    thumb.save(small, "JPEG", quality=80)
    return photo.getvalue(), small.getvalue()


async def seed(database_url: str) -> tuple[User, uuid.UUID]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        mine = Mine(code=uuid.uuid4().hex[:12], name="Bench mine")
        session.add(mine)
        await session.flush()
        area = Area(mine_id=mine.id, name="Face 1", kind=AreaKind.WORKING_FACE)
        miner = User(mine_id=mine.id, username="miner-bench", display_name="Bench miner",
                     password_hash=hash_password("bench password"), roles=["miner"])
        session.add_all([area, miner])
        await session.commit()
        area_id = area.id
    await engine.dispose()
    return miner, area_id


def start_server(settings: Settings, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    return server


async def report_once(http: httpx.AsyncClient, token: str, area_id: uuid.UUID, data: bytes) -> dict[str, float]:
    auth = {"Authorization": f"Bearer {token}"}
    steps: dict[str, float] = {}
    started = time.perf_counter()
    ticket = (await http.post("/graphql", headers=auth, json={"query": REQUEST_UPLOAD, "variables": {"input": {
        "kind": "PHOTO", "contentType": "image/jpeg", "size": len(data)}}})).json()["data"]["requestUpload"]
    steps["requestUpload"] = time.perf_counter() - started
    mark = time.perf_counter()
    put = await http.put(ticket["url"], content=data, headers={h["name"]: h["value"] for h in ticket["headers"]})
    assert put.status_code == 200, put.text
    steps["PUT"] = time.perf_counter() - mark
    mark = time.perf_counter()
    body: dict[str, Any] = (await http.post("/graphql", headers=auth, json={"query": REPORT, "variables": {"input": {
        "clientId": str(uuid.uuid4()), "areaId": str(area_id), "description": "roof fall risk at 40 m",
        "photoKeys": [ticket["key"]]}}})).json()
    hazard = body["data"]["reportHazard"]
    assert hazard["__typename"] == "Hazard" and hazard["photos"][0]["width"] == 2560, body
    steps["reportHazard"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - started
    return steps


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    data = camera_jpeg()
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        url = f"sqlite+aiosqlite:///{tmp}/report.db"
        await asyncio.to_thread(upgrade, url)
        settings = Settings(environment="test", secret_key="bench-secret-" + "0" * 40, database_url=url,
                            public_url=f"http://127.0.0.1:{port}", store_folder=Path(tmp) / "objects")
        miner, area_id = await seed(url)
        token = issue_access_token(principal_for(miner), secret=settings.secret_key, minutes=60)
        server = start_server(settings, port)
        try:
            async with httpx.AsyncClient(base_url=settings.public_url, timeout=60) as http:
                await report_once(http, token, area_id, data)  # warm-up
                rounds, bare, pure = [], [], []
                for _ in range(args.rounds):
                    rounds.append(await report_once(http, token, area_id, data))
                    started = time.perf_counter()
                    plain_pillow(data)
                    bare.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    process_photo(data, max_bytes=settings.max_photo_bytes, max_pixels=settings.max_photo_pixels,
                                  max_side=settings.photo_max_side, thumbnail_side=settings.thumbnail_side)
                    pure.append(time.perf_counter() - started)
        finally:
            server.should_exit = True

    def median(values: list[float]) -> float:
        return statistics.median(values) * 1000

    total, baseline = median([r["total"] for r in rounds]), median(bare)
    print(f"4000×3000 JPEG, {len(data) / 1024:.0f} KiB; live uvicorn on loopback, SQLite, folder store; "
          f"median of {args.rounds}")
    for step in ("requestUpload", "PUT", "reportHazard"):
        print(f"  {step:<14} {median([r[step] for r in rounds]):7.1f} ms")
    print(f"end to end       {total:7.1f} ms")
    print(f"process_photo    {median(pure):7.1f} ms  (the backend's photo step alone, same bytes)")
    print(f"plain Pillow     {baseline:7.1f} ms  (verify, decode, orient, 2560 px JPEG, thumbnail; baseline)")
    print(f"ratio            reportHazard {median([r['reportHazard'] for r in rounds]) / baseline:.2f}x, "
          f"end to end {total / baseline:.2f}x, process_photo {median(pure) / baseline:.2f}x the baseline")


if __name__ == "__main__":
    asyncio.run(main())
