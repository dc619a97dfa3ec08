"""Vision jobs end to end through the worker against the bare Analyzer on the same file.

    .venv/bin/python bench/vision_worker.py [--jobs 4] [--seconds 12] [--threads 2] [--postgres]

Starts a real backend (uvicorn in its own process; SQLite by default, a fresh PostgreSQL database with
--postgres; folder object store), registers a robot with a no-entry and a no-lying zone, uploads the
1280×720 25 fps video of bench/vision_pipeline.py `--jobs` times (requestUpload → PUT →
submitInspectionVideo). Then, on one warmed-up Analyzer: (a) the bare `Analyzer.analyze` on the file
with the same zones, `--jobs` times; (b) `minesafe vision worker --once` on the queue: claim, streamed
download, analysis with lease renewals, snapshot upload + event report per event, complete. Prints
seconds per job of both, the worker's overhead and where it goes (time in each backend call).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scratch_postgres import scratch_postgres
from vision_pipeline import build_video

from vision.offline import prepare_offline

SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"


async def _database(postgres: bool, root: Path) -> str:
    from backend.database.migrate import upgrade

    if postgres:
        url = await scratch_postgres()
    else:
        url = f"sqlite+aiosqlite:///{root / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    return url


async def _setup(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A mine with an area, an admin, a robot and a worker device, the robot registered with two zones."""
    from backend.accounts import service as accounts
    from backend.accounts.models import DeviceKind
    from backend.accounts.roles import Role
    from backend.org import service as org
    from backend.org.models import AreaKind
    from backend.platform import Platform
    from backend.vision import flows
    from backend.vision.rules import CameraKind, ZoneCoords, ZoneRule

    platform = Platform.from_settings(settings)
    try:
        async with platform.session_factory() as session:
            mine = await org.create_mine(session=session, code="BENCH", name="Bench mine")
            area = await org.create_area(session=session, mine_id=mine.id, name="Roadway", kind=AreaKind.ROADWAY)
            admin = await accounts.create_user(session=session, mine_id=mine.id, username="bench-admin",
                                               display_name="Admin", password="bench-password", roles=[Role.ADMIN])
            robot, robot_token = await accounts.register_device(session=session, mine_id=mine.id, name="robot",
                                                                kind=DeviceKind.ROBOT)
            _, worker_token = await accounts.register_device(session=session, mine_id=mine.id, name="worker",
                                                             kind=DeviceKind.VISION_WORKER)
            actor = accounts.principal_for(admin)
            camera = await flows.register_camera(session, actor=actor, code="R1", name="Robot 1",
                                                 kind=CameraKind.ROBOT, area_id=area.id, stream_url=None,
                                                 frame_width=None, frame_height=None, device_id=robot.id)
            for rule, points in ((ZoneRule.NO_ENTRY, [(0.6, 0.3), (1, 0.3), (1, 1), (0.6, 1)]),
                                 (ZoneRule.NO_LYING, [(0, 0), (1, 0), (1, 1), (0, 1)])):
                await flows.define_zone(session, actor=actor, camera_id=camera.id, data=flows.ZoneData(
                    name=rule.value.lower(), rule=rule, coords=ZoneCoords.NORMALISED, points=points))
            await session.commit()
            return {"robot": robot_token, "worker": worker_token, "camera": str(camera.id)}
    finally:
        await platform.close()


def _wait_for(url: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the backend did not start")


def _submit(url: str, token: str, camera_id: str, video: bytes) -> float:
    """requestUpload → PUT → submitInspectionVideo; returns the seconds it took."""
    import httpx

    start = time.perf_counter()
    with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
        ticket = http.post(url + "/graphql", json={"query": """mutation($i: RequestUploadInput!) {
            requestUpload(input: $i) { ... on UploadTicket { key url headers { name value } } } }""",
                                                   "variables": {"i": {"kind": "VIDEO", "contentType": "video/mp4",
                                                                       "size": len(video)}}}).json()
        ticket = ticket["data"]["requestUpload"]
        put = http.put(ticket["url"], content=video, headers={h["name"]: h["value"] for h in ticket["headers"]})
        put.raise_for_status()
        answer = http.post(url + "/graphql", json={"query": """mutation($i: SubmitInspectionVideoInput!) {
            submitInspectionVideo(input: $i) { __typename } }""", "variables": {"i": {
            "clientId": str(uuid.uuid4()), "objectKey": ticket["key"], "robotId": camera_id,
            "recordedAt": "2026-11-30T08:00:00+00:00"}}}).json()
        assert answer["data"]["submitInspectionVideo"]["__typename"] == "VisionJob", answer
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vision-worker-bench-"))
    prepare_offline(root / "models" / "ultralytics")

    from backend.config import Settings
    from contracts.vision import ZoneRule
    from tests.conftest import free_port
    from vision.api import VisionClient
    from vision.config import VisionSettings
    from vision.messages import ZoneSpec
    from vision.pipeline import Analyzer
    from vision.worker import VisionWorker

    video_path = root / "robot-720p.mp4"
    build_video(video_path, args.seconds)
    video = video_path.read_bytes()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = asyncio.run(_database(args.postgres, root))
    ids = asyncio.run(_setup(Settings(environment="test", secret_key=SECRET, database_url=database_url,
                                      public_url=url, store_folder=root / "objects")))
    env = {**os.environ, "MINESAFE_ENVIRONMENT": "test", "MINESAFE_SECRET_KEY": SECRET,
           "MINESAFE_DATABASE_URL": database_url, "MINESAFE_PUBLIC_URL": url,
           "MINESAFE_STORE_FOLDER": str(root / "objects")}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "backend.main:create_app", "--factory", "--host",
                               "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env)
    _wait_for(url)
    submit_s = [_submit(url, ids["robot"], ids["camera"], video) for _ in range(args.jobs)]

    vision_settings = VisionSettings(cache_dir=root / "models", work_dir=root / "work", sample_fps=5.0,
                                     threads=args.threads, api_url=url + "/graphql", device_token=ids["worker"],
                                     progress_every_seconds=5.0)
    analyzer = Analyzer(vision_settings)
    zones = [ZoneSpec(id="belt", name="no_entry", kind=ZoneRule.NO_ENTRY,
                      polygon=[(0.6, 0.3), (1, 0.3), (1, 1), (0.6, 1)]),
             ZoneSpec(id="road", name="no_lying", kind=ZoneRule.NO_LYING, polygon=[(0, 0), (1, 0), (1, 1), (0, 1)])]
    info = analyzer.open(video_path)
    analyzer.analyze(info, zones)  # warm-up

    spent: dict[str, list[float]] = defaultdict(list)

    class TimedClient(VisionClient):
        pass

    for name in ("claim", "download", "progress", "upload_snapshot", "report_events", "complete", "fail"):
        def timed(self, *a, _name=name, **k):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return getattr(VisionClient, _name)(self, *a, **k)
            finally:
                spent[_name].append(time.perf_counter() - start)
        setattr(TimedClient, name, timed)

    client = TimedClient(vision_settings.api_url, ids["worker"])
    worker = VisionWorker(vision_settings, client, worker_id="bench", analyzer_factory=lambda _s: analyzer)
    bare, through_worker, outcomes = [], [], []
    try:
        for _ in range(args.jobs):  # alternated, so that a busy machine slows both alike
            start = time.perf_counter()
            result = analyzer.analyze(analyzer.open(video_path), zones, on_event=lambda _e, _j: None)
            bare.append(time.perf_counter() - start)
            start = time.perf_counter()
            outcomes += worker.run(max_jobs=1).outcomes
            through_worker.append(time.perf_counter() - start)
    finally:
        client.close()
        server.terminate()
        server.wait(10)
    assert [o.state for o in outcomes] == ["DONE"] * args.jobs, outcomes
    events = sum(o.events for o in outcomes)

    bare_job, worker_job = statistics.median(bare), statistics.median(through_worker)
    analyse_job = statistics.median(o.seconds["analyse"] for o in outcomes)
    print(f"video: {info.width}x{info.height} @ {info.fps:g} fps, {info.duration_s:.1f} s, {len(video) / 1e6:.1f} MB; "
          f"sampled at 5 fps -> {result.summary.frames_analysed} frames; {args.threads} threads; "
          f"{'PostgreSQL' if args.postgres else 'SQLite'}; {args.jobs} jobs, {events} events")
    print(f"submit (requestUpload + PUT + submitInspectionVideo): {1000 * sum(submit_s) / len(submit_s):7.1f} ms/job")
    print(f"bare Analyzer.analyze (median):          {bare_job:7.3f} s/job")
    print(f"worker end to end, claim → complete (median): {worker_job:7.3f} s/job  "
          f"(+{1000 * (worker_job - bare_job):.0f} ms, ratio {worker_job / bare_job:.3f})")
    print(f"  of which analysis incl. inline calls:  {analyse_job:7.3f} s/job; all runs bare "
          f"{[round(b, 2) for b in bare]}, worker {[round(w, 2) for w in through_worker]}")
    calls_job = sum(sum(times) for times in spent.values()) / args.jobs
    print(f"time in backend and object-store calls: {1000 * calls_job:7.1f} ms/job "
          f"({100 * calls_job / bare_job:.1f} % of the bare analysis)")
    for name, times in sorted(spent.items()):
        print(f"  {name:<16} {len(times):4d} calls  {1000 * sum(times) / len(times):7.1f} ms each  "
              f"{1000 * sum(times) / args.jobs:7.1f} ms/job")


if __name__ == "__main__":
    main()
