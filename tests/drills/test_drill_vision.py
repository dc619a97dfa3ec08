"""A drill's person down through the real vision queue: the director uploads the camera's video, the real worker
claims it, stages the person down (no model), runs the real rules and reports the event; the backend raises a drill
alert and opens a drill hazard through the production path — in no KPI, never a real alert."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from backend.accounts.models import DeviceKind
from backend.alerts.models import Alert
from backend.hazards.models import Hazard
from backend.kpi import service as kpi_service
from backend.vision.models import VisionJob
from drills.runner import VISION, DrillApi, camera_video
from tests.conftest import gql
from tests.drills.setup import FINISH, START, mine_with_model, plan, register_drill_camera
from vision.config import VisionSettings
from vision.worker import VisionWorker

SCENARIO = """name: person down at the face
duration_s: 600
events:
  - {id: down, at_s: 0, kind: PERSON_DOWN, camera: CAM-WF1}
responses:
  - {kind: ALARM, after: down, within_s: 120}
  - {kind: HAZARD_OPENED, after: down, within_s: 120}
"""


def _submit(api: DrillApi, drill_id: str, camera: str, key: str) -> dict[str, Any]:
    response = api._http.post("/graphql", json={"query": VISION, "variables": {"i": {
        "drillId": drill_id, "camera": camera, "objectKey": key, "recordedAt": datetime.now(UTC).isoformat()}}})
    return response.json()["data"]["submitDrillVisionVideo"]


async def test_a_person_down_goes_through_the_vision_queue(live_server, make_mine, platform, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as http:
        mine, areas = await mine_with_model(http, make_mine, platform, sensors=False)
        unregistered = await plan(http, mine, SCENARIO)
        assert unregistered["__typename"] == "ValidationFailed"
        assert unregistered["message"].startswith("events[0].camera: 'CAM-WF1' is not an active camera of this mine")
        await register_drill_camera(http, mine, areas["WF1"], code="CAM-J1")  # not where the model places it
        misplaced = await plan(http, mine, SCENARIO.replace("CAM-WF1", "CAM-J1"))
        assert "'CAM-J1' is registered in another area than 'J1'" in misplaced["message"], misplaced
        await register_drill_camera(http, mine, areas["WF1"])
        drill = await plan(http, mine, SCENARIO, speed=10.0)
        assert drill["__typename"] == "Drill", drill
        director = DrillApi(live_server.url, mine.token("safety_officer"))
        try:
            key = await asyncio.to_thread(director.upload_video, camera_video())
            early = await asyncio.to_thread(_submit, director, drill["id"], "CAM-WF1", key)
            assert early["__typename"] == "InvalidTransition"  # planned, not running
            await gql(http, START, {"id": drill["id"]}, token=mine.token("safety_officer"))
            outside = await asyncio.to_thread(_submit, director, drill["id"], "CAM-NOPE", key)
            assert outside == {"__typename": "ValidationFailed", "message": "no camera 'CAM-NOPE' in the drill's model"}
            miner = DrillApi(live_server.url, mine.token("miner"))
            try:
                refused = await asyncio.to_thread(_submit, miner, drill["id"], "CAM-WF1", key)
            finally:
                miner.close()
            assert refused["__typename"] == "NotAllowed"
            job = await asyncio.to_thread(_submit, director, drill["id"], "CAM-WF1", key)
            assert job["__typename"] == "VisionJob" and job["state"] == "QUEUED", job
            again = await asyncio.to_thread(_submit, director, drill["id"], "CAM-WF1", key)
            assert again["__typename"] == "ValidationFailed"  # an upload is used once
        finally:
            director.close()

        settings = VisionSettings(api_url=live_server.url + "/graphql",
                                  device_token=mine.device_tokens[DeviceKind.VISION_WORKER], work_dir=tmp_path,
                                  cache_dir=tmp_path / "models")
        worker = VisionWorker(settings, worker_id="drill-worker")
        done: list[Any] = []
        thread = threading.Thread(target=lambda: done.append(worker.run(once=True)), daemon=True)
        thread.start()
        await asyncio.to_thread(thread.join, 120)
        [outcome] = done[0].outcomes
        assert outcome.state == "DONE" and outcome.events == 1, outcome

        async with platform.session_factory() as session:
            analysed = await session.get(VisionJob, uuid.UUID(job["id"]))
            assert analysed is not None and str(analysed.drill_id) == drill["id"]
            assert analysed.summary is not None and analysed.summary["model"] == "drill-staged-person-down"
            [alert] = (await session.scalars(select(Alert).where(Alert.mine_id == mine.mine_id))).all()
            assert (alert.source.value, str(alert.drill_id), alert.area_id) == ("VISION", drill["id"], areas["WF1"])
            assert alert.title.startswith("[演练 DRILL] no lying") and alert.snapshot_key
            [hazard] = (await session.scalars(select(Hazard).where(Hazard.mine_id == mine.mine_id))).all()
            assert str(hazard.drill_id) == drill["id"]
            since = datetime.now(UTC) - timedelta(hours=1)
            assert await kpi_service.alert_facts(session=session, mine_id=mine.mine_id, raised_from=since,
                                                 raised_to=None) == []
            assert await kpi_service.hazard_facts(session=session, mine_id=mine.mine_id, reported_from=since,
                                                  reported_to=None) == []
        finished = (await gql(http, FINISH, {"id": drill["id"]}, token=mine.token("safety_officer")))["finishDrill"]
        assert [(r["kind"], r["met"], r["who"]) for r in finished["results"]] == [
            ("ALARM", True, "camera"), ("HAZARD_OPENED", True, "VISION_WORKER 1")], finished["results"]


def test_the_staged_person_down_fires_the_real_rules_only_where_it_lies(tmp_path: Path) -> None:
    """The runner's camera video through the real decoder, sampler and rule engine with the staged person: a
    lying-person zone over the middle fires once; a no-entry zone in a corner sees nobody."""
    from contracts.vision import ZoneRule
    from vision.drill import StagedPersonDown
    from vision.messages import ZoneSpec
    from vision.pipeline import Analyzer

    video = tmp_path / "drill.mp4"
    video.write_bytes(camera_video())
    zones = [ZoneSpec(id="walkway", name="walkway", kind=ZoneRule.NO_LYING,
                      polygon=[(0.2, 0.4), (0.8, 0.4), (0.8, 0.9), (0.2, 0.9)]),
             ZoneSpec(id="corner", name="corner", kind=ZoneRule.NO_ENTRY,
                      polygon=[(0.0, 0.0), (0.2, 0.0), (0.2, 0.2), (0.0, 0.2)])]
    analyzer = Analyzer(VisionSettings(work_dir=tmp_path, cache_dir=tmp_path / "models", sample_fps=5.0),
                        detector=StagedPersonDown())  # type: ignore[arg-type]
    result = analyzer.analyze(analyzer.open(video), zones)
    assert [(e.kind, e.zone_id, e.track_id) for e in result.events] == [(ZoneRule.NO_LYING, "walkway", 1)]
    assert result.summary.frames_analysed == 10 and result.summary.model == "drill-staged-person-down"
