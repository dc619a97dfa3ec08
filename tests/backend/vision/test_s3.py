"""Videos and snapshots through the S3 store (a real SeaweedFS server): presigned PUTs and GETs end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from backend.accounts.models import DeviceKind
from tests.backend.api import jpeg_bytes, request_upload
from tests.backend.hazards.test_s3_reporting import s3_client  # noqa: F401  (pytest fixture)
from tests.backend.vision.api import ALERTS, SQUARE, claim, define_zone, register_camera, report_events, submit
from tests.conftest import gql
from tests.s3_server import S3Server, s3_server  # noqa: F401  (pytest fixture)
from vision.api import VisionClient


async def _put_to_s3(http: httpx.AsyncClient, token: str, data: bytes, *, kind: str, content_type: str) -> str:
    ticket = await request_upload(http, token, size=len(data), content_type=content_type, kind=kind)
    assert ticket["__typename"] == "UploadTicket", ticket
    async with httpx.AsyncClient() as direct:  # straight to the object store, not through the backend
        response = await direct.put(ticket["url"], content=data, headers={h["name"]: h["value"]
                                                                          for h in ticket["headers"]})
    assert response.status_code == 200, response.text
    return str(ticket["key"])


async def test_the_worker_downloads_from_s3_and_snapshots_come_back(s3_client, make_mine, s3_server: S3Server,  # noqa: F811
                                                                   tmp_path: Path) -> None:
    mine = await make_mine()
    robot_token, worker = mine.device_tokens[DeviceKind.ROBOT], mine.device_tokens[DeviceKind.VISION_WORKER]
    robot = await register_camera(s3_client, mine.token("admin"), mine.areas[0], kind="ROBOT")
    belt = await define_zone(s3_client, mine.token("admin"), robot["id"], rule="NO_ENTRY", points=SQUARE)
    video = b"\x00\x00\x00\x18ftypmp42" + bytes(300_000)
    key = await _put_to_s3(s3_client, robot_token, video, kind="VIDEO", content_type="video/mp4")
    job = await submit(s3_client, robot_token, robot_id=robot["id"], key=key)
    assert job["__typename"] == "VisionJob" and job["videoSize"] == len(video)
    claimed = await claim(s3_client, worker, "s3-worker")
    assert claimed["videoUrl"].startswith(f"http://{s3_server.endpoint}/")
    client = VisionClient("http://unused/graphql", worker)
    try:
        target = tmp_path / "video"
        assert await asyncio.to_thread(client.download, claimed["videoUrl"], target, max_bytes=len(video)) == len(video)
        assert target.read_bytes() == video
        too_small = await asyncio.to_thread(lambda: _refused(client, claimed["videoUrl"], tmp_path / "x", 1000))
        assert "DOWNLOAD_TOO_LARGE" in too_small
    finally:
        client.close()
    snapshot = await _put_to_s3(s3_client, worker, jpeg_bytes(640, 360), kind="SNAPSHOT", content_type="image/jpeg")
    reported = await report_events(s3_client, worker, job["id"], "s3-worker", [{
        "eventKey": "belt:NO_ENTRY:1", "rule": "NO_ENTRY", "zoneId": belt["id"], "trackId": 1, "videoTimeS": 2.0,
        "confidence": 0.8, "snapshotKey": snapshot, "detail": "person 1 entered"}])
    assert reported["created"] == 1 and reported["alertsRaised"] == 1
    (alert,) = (await gql(s3_client, ALERTS, {"filter": {"source": "VISION"}}, token=mine.token("safety_officer"))
                )["alerts"]["edges"]
    assert alert["node"]["snapshotUrl"].startswith(f"http://{s3_server.endpoint}/")
    async with httpx.AsyncClient() as direct:
        picture = await direct.get(alert["node"]["snapshotUrl"])
    assert picture.status_code == 200 and picture.content[:3] == b"\xff\xd8\xff"


def _refused(client: VisionClient, url: str, target: Path, cap: int) -> str:
    from vision.api import DownloadError

    try:
        client.download(url, target, max_bytes=cap)
    except DownloadError as error:
        return str(error)
    return "downloaded"
