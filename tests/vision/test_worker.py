"""The worker loop: end to end against a live backend (two workers, one queue), and its failure handling."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from backend.accounts.models import DeviceKind
from contracts.client import TransportError
from contracts.vision import ZoneRule
from tests.backend.vision.api import ALERTS, EVENTS, HAZARDS, JOBS, define_zone, register_camera, submit, upload_video
from tests.conftest import gql
from vision.api import JobClaim, VisionClient
from vision.messages import VideoSummary, ZoneSpec
from vision.pipeline import AnalysisResult, Analyzer
from vision.worker import VisionWorker

#: what the vision image runs as `minesafe-vision worker` (the same app `minesafe vision worker` mounts)
WORKER_COMMAND = [sys.executable, "-c", "from vision.cli import app; app()", "worker"]
BELT = [{"x": 0.6, "y": 0.3}, {"x": 1.0, "y": 0.3}, {"x": 1.0, "y": 1.0}, {"x": 0.6, "y": 1.0}]
WHOLE = [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 0.0}, {"x": 1.0, "y": 1.0}, {"x": 0.0, "y": 1.0}]


def _run_worker(worker: VisionWorker, out: list[Any]) -> threading.Thread:
    thread = threading.Thread(target=lambda: out.append(worker.run(once=True)), daemon=True)
    thread.start()
    return thread


@pytest.mark.timeout(600)
async def test_two_workers_analyse_each_job_once_and_raise_alerts(live_server, make_mine, analyzer, vision_settings,
                                                                  scene_video, tmp_path: Path) -> None:
    mine = await make_mine()
    robot_token, worker_token = mine.device_tokens[DeviceKind.ROBOT], mine.device_tokens[DeviceKind.VISION_WORKER]
    video = scene_video[0].read_bytes()
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        admin = mine.token("admin")
        robot = await register_camera(http, admin, mine.areas[0], kind="ROBOT", code="robot-e2e")
        belt = await define_zone(http, admin, robot["id"], rule="NO_ENTRY", points=BELT, name="belt head")
        road = await define_zone(http, admin, robot["id"], rule="NO_LYING", points=WHOLE, name="roadway")
        jobs = []
        for data in (video, video[: len(video) // 2], video):  # the middle one is cut: its index is lost
            key = await upload_video(http, robot_token, data)
            job = await submit(http, robot_token, robot_id=robot["id"], key=key)
            assert job["__typename"] == "VisionJob", job
            jobs.append(job["id"])
    settings = vision_settings.model_copy(update={"api_url": live_server.url + "/graphql", "device_token": worker_token,
                                                  "work_dir": tmp_path, "progress_every_seconds": 0.2})
    workers = [VisionWorker(settings, worker_id="worker-a", analyzer_factory=lambda _s: analyzer),
               VisionWorker(settings, worker_id="worker-b", analyzer_factory=Analyzer)]
    results: list[Any] = []
    threads = [_run_worker(w, results) for w in workers]
    for thread in threads:
        await asyncio.to_thread(thread.join, 500)
    outcomes = [o for stats in results for o in stats.outcomes]
    assert sorted(o.job_id for o in outcomes) == sorted(jobs)  # each job once, none twice
    by_job = {o.job_id: o for o in outcomes}
    good, bad = [jobs[0], jobs[2]], jobs[1]
    assert [by_job[j].state for j in good] == ["DONE", "DONE"] and by_job[bad].state == "FAILED"
    assert by_job[bad].reason.startswith("CORRUPT_VIDEO")

    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        officer = mine.token("safety_officer")
        listed = (await gql(http, JOBS, {"first": 10}, token=officer))["visionJobs"]["edges"]
        states = {e["node"]["id"]: e["node"] for e in listed}
        assert {j: states[j]["state"] for j in jobs} == {jobs[0]: "DONE", jobs[1]: "FAILED", jobs[2]: "DONE"}
        assert all(states[j]["attempts"] == 1 for j in jobs)
        assert "cannot be opened" in states[bad]["failureReason"]
        for job_id in good:
            events = (await gql(http, EVENTS, {"jobId": job_id}, token=officer))["visionEvents"]
            assert [(e["rule"], e["zone"]["id"]) for e in events] == [("NO_ENTRY", belt["id"]),
                                                                       ("NO_LYING", road["id"])]
            assert 2.0 <= events[0]["videoTimeS"] <= 3.0 and events[1]["videoTimeS"] >= 4.0
            assert all(e["hazard"] is not None for e in events)  # the default policy: both open hazards
        alerts = (await gql(http, ALERTS, {"filter": {"source": "VISION"}}, token=officer))["alerts"]["edges"]
        assert len(alerts) == 4
        for edge in alerts:
            picture = await http.get(edge["node"]["snapshotUrl"])
            assert picture.status_code == 200
            image = Image.open(io.BytesIO(picture.content))
            assert image.format == "JPEG" and image.size == (640, 360)
        hazards = (await gql(http, HAZARDS, token=officer))["hazards"]["edges"]
        assert len(hazards) == 4


@pytest.mark.timeout(300)
async def test_a_finished_job_shows_its_final_frame_count(live_server, make_mine, analyzer, vision_settings,
                                                          scene_video, tmp_path: Path) -> None:
    # progress is reported every 5 s: the whole scene is analysed before the first report, so the
    # job's count stayed 0 (or the count of the last report) while its summary said 35
    mine = await make_mine()
    robot_token = mine.device_tokens[DeviceKind.ROBOT]
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        robot = await register_camera(http, mine.token("admin"), mine.areas[0], kind="ROBOT", code="robot-count")
        await define_zone(http, mine.token("admin"), robot["id"], rule="NO_LYING", points=WHOLE)
        job = await submit(http, robot_token, robot_id=robot["id"],
                           key=await upload_video(http, robot_token, scene_video[0].read_bytes()))
    settings = vision_settings.model_copy(update={
        "api_url": live_server.url + "/graphql", "device_token": mine.device_tokens[DeviceKind.VISION_WORKER],
        "work_dir": tmp_path, "progress_every_seconds": 600.0})
    worker = VisionWorker(settings, worker_id="counter", analyzer_factory=lambda _s: analyzer)
    stats = await asyncio.to_thread(worker.run, once=True)
    assert [(o.state, o.frames) for o in stats.outcomes] == [("DONE", 35)]
    query = "query($id: ID!) { visionJob(id: $id) { state progress framesAnalysed summary } }"
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        done = (await gql(http, query, {"id": job["id"]}, token=mine.token("admin")))["visionJob"]
    assert done["state"] == "DONE" and done["progress"] == 1.0
    assert done["framesAnalysed"] == done["summary"]["frames_analysed"] == 35


# --- failure handling without a server -------------------------------------------------------------------
class FakeClient:
    endpoint = "fake"

    def __init__(self, claims: list[JobClaim | None], *, transient: int = 0) -> None:
        self.claims = claims
        self.transient = transient
        self.calls: list[tuple[str, Any]] = []

    def claim(self, worker_id: str, lease_seconds: int) -> JobClaim | None:
        if self.transient:
            self.transient -= 1
            raise TransportError("connection refused")
        return self.claims.pop(0) if self.claims else None

    def download(self, url: str, target: Path, *, max_bytes: int, on_chunk=None) -> int:  # type: ignore[no-untyped-def]
        target.write_bytes(b"video")
        if on_chunk is not None:
            on_chunk(5)
        return 5

    def progress(self, job_id: str, worker_id: str, **kwargs: Any) -> None:
        self.calls.append(("progress", kwargs))

    def complete(self, job_id: str, worker_id: str, summary: dict[str, Any], *, frames: int | None = None) -> None:
        self.calls.append(("complete", job_id))

    def fail(self, job_id: str, worker_id: str, reason: str, *, retry: bool = False) -> None:
        self.calls.append(("fail", (job_id, reason, retry)))


class FakeAnalyzer:
    def __init__(self, settings, on_frame=None) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.on_frame = on_frame

    def open(self, path: Path) -> str:
        return str(path)

    def analyze(self, info, zones, *, on_progress=None, on_event=None):  # type: ignore[no-untyped-def]
        for frame in range(3):
            if self.on_frame:
                self.on_frame(frame)
            on_progress(frame / 3, frame + 1)
        summary = VideoSummary(width=64, height=48, fps=10, duration_s=1, frames_decoded=10, frames_analysed=3,
                               variable_frame_rate=False, tracks=0, events=0, model="fake")
        return AnalysisResult(summary=summary)


def _claim(job_id: str) -> JobClaim:
    return JobClaim(job_id=job_id, video_url="http://store/v", video_size=5, recorded_at=datetime.now(UTC),
                    camera_code="c1", zones=[ZoneSpec(id="z", name="z", kind=ZoneRule.NO_ENTRY,
                                                      polygon=[(0, 0), (1, 0), (1, 1)])],
                    sample_fps=5, model=None, class_rules={}, lease_expires_at=datetime.now(UTC), attempt=1)


def test_transient_errors_are_retried_with_backoff(vision_settings, tmp_path: Path) -> None:
    client = FakeClient([_claim("j1")], transient=3)
    delays: list[float] = []
    worker = VisionWorker(vision_settings.model_copy(update={"work_dir": tmp_path}), client,  # type: ignore[arg-type]
                          worker_id="w", analyzer_factory=FakeAnalyzer, sleep=delays.append)
    stats = worker.run(once=True)
    assert [o.state for o in stats.outcomes] == ["DONE"] and ("complete", "j1") in client.calls
    assert len(delays) == 3 and delays[0] < delays[1] < delays[2]
    assert not list((tmp_path / "jobs").iterdir())  # the downloaded video is gone


def test_a_stop_hands_the_current_job_back(vision_settings, tmp_path: Path) -> None:
    client = FakeClient([_claim("j1"), _claim("j2")])
    holder: dict[str, VisionWorker] = {}

    def stop_at_second_frame(frame: int) -> None:
        if frame == 1:
            holder["w"].stop()

    worker = VisionWorker(vision_settings.model_copy(update={"work_dir": tmp_path}), client,  # type: ignore[arg-type]
                          worker_id="w", analyzer_factory=lambda s: FakeAnalyzer(s, stop_at_second_frame))
    holder["w"] = worker
    stats = worker.run()
    assert [(o.job_id, o.state) for o in stats.outcomes] == [("j1", "REQUEUED")]
    (fail,) = [c for c in client.calls if c[0] == "fail"]
    assert fail[1][0] == "j1" and fail[1][1].startswith("WORKER_STOPPED") and fail[1][2] is True
    assert client.claims  # j2 was never claimed


async def test_the_cli_worker_stops_on_sigterm(live_server, make_mine, vision_settings, tmp_path: Path) -> None:
    mine = await make_mine()
    token_file = tmp_path / "token"
    token_file.write_text(mine.device_tokens[DeviceKind.VISION_WORKER])
    env = {**os.environ, "MINESAFE_VISION_WORK_DIR": str(tmp_path), "MINESAFE_VISION_POLL_SECONDS": "0.2",
           "MINESAFE_VISION_CACHE_DIR": str(vision_settings.cache_dir)}
    command = [*WORKER_COMMAND, "--api-url", live_server.url + "/graphql", "--worker-id", "cli-worker"]
    process = await asyncio.create_subprocess_exec(*command, "--token-file", str(token_file), env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    try:
        seen = b""
        while b"polling" not in seen:  # it logs once it starts polling the queue
            seen += await asyncio.wait_for(process.stdout.readline(), 60)
        await asyncio.sleep(1)  # a few empty polls
        process.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(process.stdout.read(), 30)
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    output = (seen + rest).decode()
    assert process.returncode == 0, output
    assert "0 jobs: 0 done" in output
    # a token of the wrong kind is refused for good: the worker says so and exits, it does not retry forever
    token_file.write_text(mine.device_tokens[DeviceKind.ROBOT])
    refused = await asyncio.create_subprocess_exec(*command, "--token-file", str(token_file), env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(refused.communicate(), 60)
    assert refused.returncode == 1 and b"vision worker" in out, out


async def test_sigterm_during_a_job_hands_it_back(live_server, make_mine, vision_settings, tmp_path: Path) -> None:
    from tests.vision.synth import write_scene_video

    mine = await make_mine()
    robot_token = mine.device_tokens[DeviceKind.ROBOT]
    long_video = tmp_path / "long.mp4"
    write_scene_video(long_video, frames=400)  # 40 s: long enough to be stopped half-way
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        robot = await register_camera(http, mine.token("admin"), mine.areas[0], kind="ROBOT")
        await define_zone(http, mine.token("admin"), robot["id"], rule="NO_LYING", points=WHOLE)
        job = await submit(http, robot_token, robot_id=robot["id"],
                           key=await upload_video(http, robot_token, long_video.read_bytes()))
        token_file = tmp_path / "token"
        token_file.write_text(mine.device_tokens[DeviceKind.VISION_WORKER])
        env = {**os.environ, "MINESAFE_VISION_WORK_DIR": str(tmp_path / "work"),
               "MINESAFE_VISION_CACHE_DIR": str(vision_settings.cache_dir),
               "MINESAFE_VISION_PROGRESS_EVERY_SECONDS": "0.2"}
        process = await asyncio.create_subprocess_exec(
            *WORKER_COMMAND, "--api-url",
            live_server.url + "/graphql", "--token-file", str(token_file), "--worker-id", "stopped",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            query = "query($id: ID!) { visionJob(id: $id) { state attempts progress failureReason } }"
            for _ in range(600):  # until it has analysed part of the video
                state = (await gql(http, query, {"id": job["id"]}, token=mine.token("admin")))["visionJob"]
                if state["state"] == "RUNNING" and state["progress"] > 0:
                    break
                await asyncio.sleep(0.1)
            assert state["state"] == "RUNNING" and state["progress"] < 1, state
            process.send_signal(signal.SIGTERM)
            out, _ = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
        assert process.returncode == 0 and b"1 handed back" in out, out
        after = (await gql(http, query, {"id": job["id"]}, token=mine.token("admin")))["visionJob"]
        assert after["state"] == "QUEUED" and after["attempts"] == 1
        assert after["failureReason"].startswith("WORKER_STOPPED")


class FileClient(FakeClient):
    """Serves a given file as the job's video."""

    def __init__(self, claims: list[JobClaim | None], videos: dict[str, Path]) -> None:
        super().__init__(claims)
        self.videos = videos

    def download(self, url: str, target: Path, *, max_bytes: int, on_chunk=None) -> int:  # type: ignore[no-untyped-def]
        data = self.videos[url].read_bytes()
        target.write_bytes(data)
        return len(data)


def test_bad_videos_fail_with_their_reason_and_the_worker_goes_on(analyzer, vision_settings, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    empty, text, huge = tmp_path / "empty.mp4", tmp_path / "notes.mp4", tmp_path / "huge.avi"
    empty.write_bytes(b"")
    text.write_text("shift report, not a video\n" * 30)
    writer = cv2.VideoWriter(str(huge), cv2.VideoWriter_fourcc(*"MJPG"), 10, (4000, 2400))
    for _ in range(2):
        writer.write(np.zeros((2400, 4000, 3), np.uint8))
    writer.release()
    claims = [_claim(name).model_copy(update={"video_url": name}) for name in ("empty", "text", "huge")]
    client = FileClient(claims, {"empty": empty, "text": text, "huge": huge})
    worker = VisionWorker(vision_settings.model_copy(update={"work_dir": tmp_path / "w"}), client,  # type: ignore[arg-type]
                          worker_id="w", analyzer_factory=lambda _s: analyzer)
    stats = worker.run(once=True)
    assert [(o.job_id, o.state) for o in stats.outcomes] == [("empty", "FAILED"), ("text", "FAILED"),
                                                             ("huge", "FAILED")]
    reasons = {c[1][0]: c[1][1] for c in client.calls if c[0] == "fail"}
    assert reasons["empty"].startswith("EMPTY_FILE") and reasons["text"].startswith("NOT_A_VIDEO")
    assert reasons["huge"].startswith("RESOLUTION_TOO_LARGE") and "4000×2400" in reasons["huge"]
    assert all(c[1][2] is False for c in client.calls if c[0] == "fail")  # not retried: the file is bad


def test_an_unknown_model_fails_the_job_and_the_worker_goes_on(vision_settings, tmp_path: Path) -> None:
    def factory(settings):  # type: ignore[no-untyped-def]
        if settings.model == "helmets":
            raise KeyError("unknown models ['helmets']; registered: ['pose']")
        return FakeAnalyzer(settings)

    client = FakeClient([_claim("j1").model_copy(update={"model": "helmets"}), _claim("j2")])
    worker = VisionWorker(vision_settings.model_copy(update={"work_dir": tmp_path}), client,  # type: ignore[arg-type]
                          worker_id="w", analyzer_factory=factory)
    stats = worker.run(once=True)
    assert [(o.job_id, o.state) for o in stats.outcomes] == [("j1", "FAILED"), ("j2", "DONE")]
    assert stats.outcomes[0].reason.startswith("MODEL_UNKNOWN") and "helmets" in stats.outcomes[0].reason


def test_an_expired_link_hands_the_job_back_and_a_missing_video_fails_it(vision_settings, tmp_path: Path) -> None:
    from vision.api import DownloadError

    class Refusing(FakeClient):
        def download(self, url: str, target: Path, *, max_bytes: int, on_chunk=None) -> int:  # type: ignore[no-untyped-def]
            status = 410 if url.endswith("expired") else 404
            raise DownloadError(f"DOWNLOAD_FAILED: the object store answered {status}", retryable=status == 410)

    client = Refusing([_claim("j1").model_copy(update={"video_url": "http://s/expired"}), _claim("j2")])
    worker = VisionWorker(vision_settings.model_copy(update={"work_dir": tmp_path}), client,  # type: ignore[arg-type]
                          worker_id="w", analyzer_factory=FakeAnalyzer)
    stats = worker.run(once=True)
    assert [(o.job_id, o.state) for o in stats.outcomes] == [("j1", "REQUEUED"), ("j2", "FAILED")]
    assert stats.outcomes[1].reason == "DOWNLOAD_FAILED: the object store answered 404"


def test_client_maps_claim_zones(vision_settings) -> None:
    client = VisionClient("http://127.0.0.1:9/graphql", "msd_x", timeout=1)
    with pytest.raises(TransportError):
        client.claim("w", 30)
    client.close()
