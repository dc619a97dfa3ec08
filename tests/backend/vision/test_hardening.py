"""Vision, hardened: secrets kept out of the audit trail, locks, bounds on what a worker or an admin may send."""

from __future__ import annotations

from backend.accounts.models import DeviceKind
from tests.backend.vision.api import register_camera
from tests.conftest import gql

ROBOT, CAMERA, WORKER = DeviceKind.ROBOT, DeviceKind.CAMERA, DeviceKind.VISION_WORKER
FAKE_VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(2000)
TRACE = """query($id: ID!) { traceability(subjectId: $id) { action before after } }"""
UPDATE_CAMERA = """mutation($input: UpdateCameraInput!) { updateCamera(input: $input) { __typename
  ... on Camera { id } ... on ValidationFailed { message field } } }"""


async def test_stream_credentials_never_reach_the_audit_trail(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    camera = await register_camera(client, admin, mine.areas[0], kind="CAMERA",
                                   streamUrl="rtsp://admin:s3cret@10.0.0.5:554/live?token=t0ps3cret")
    assert camera["__typename"] == "Camera", camera
    for url in ("rtsp://admin:n3wpass@10.0.0.5:554/live", "rtsp://admin:n3wpass@10.0.0.5:554/live",
                "rtsp://10.0.0.6/main"):
        updated = (await gql(client, UPDATE_CAMERA, {"input": {"cameraId": camera["id"], "streamUrl": url}},
                             token=admin))["updateCamera"]
        assert updated["__typename"] == "Camera", updated
    trace = (await gql(client, TRACE, {"id": camera["id"]}, token=mine.token("team_leader")))["traceability"]
    text = str(trace)
    assert "s3cret" not in text and "t0ps3cret" not in text and "n3wpass" not in text and "admin:" not in text
    registered, *updates = trace
    assert registered["after"]["stream_url"] == "rtsp://10.0.0.5:554/live"
    assert registered["after"]["stream_credentials"] is True
    assert [u["after"].get("stream_credentials_changed", False) for u in updates] == [True, False, True]
    assert updates[-1]["after"]["stream_url"] == "rtsp://10.0.0.6/main"
    assert updates[-1]["after"]["stream_credentials"] is False
    # those who see vision results still get the whole URL from the camera itself
    cameras = (await gql(client, "{ cameras { id streamUrl } }", token=mine.token("safety_officer")))["cameras"]
    assert {c["id"]: c["streamUrl"] for c in cameras}[camera["id"]] == "rtsp://10.0.0.6/main"


async def test_an_area_manager_sees_the_stream_urls_of_their_own_area_only(client, make_mine) -> None:
    mine = await make_mine()
    admin = mine.token("admin")
    own = await register_camera(client, admin, mine.areas[0], kind="CAMERA", streamUrl="rtsp://u:pw0@10.0.0.8/live")
    other = await register_camera(client, admin, mine.areas[1], kind="CAMERA", streamUrl="rtsp://u:pw1@10.0.0.9/live")
    query = "{ cameras { id streamUrl } }"
    seen = {c["id"]: c["streamUrl"] for c in (await gql(client, query, token=mine.token("area_manager")))["cameras"]}
    assert seen == {own["id"]: "rtsp://u:pw0@10.0.0.8/live", other["id"]: None}
    for who in ("safety_officer", "mine_manager", "admin"):
        seen = {c["id"]: c["streamUrl"] for c in (await gql(client, query, token=mine.token(who)))["cameras"]}
        assert seen[other["id"]] == "rtsp://u:pw1@10.0.0.9/live", who
