"""Uploads through the folder store's real HTTP route, and who may attach an uploaded key."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.database.base import utcnow
from backend.storage.models import UploadSlot
from backend.storage.service import UPLOAD_PURPOSE, sign_token
from tests.backend.api import REPORT, jpeg_bytes, request_upload, upload
from tests.conftest import gql


async def ticket_for(client, token: str, data: bytes, content_type: str = "image/jpeg") -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    ticket = await request_upload(client, token, size=len(data), content_type=content_type)
    assert ticket["__typename"] == "UploadTicket", ticket
    assert ticket["method"] == "PUT"
    return ticket, {h["name"]: h["value"] for h in ticket["headers"]}


async def slot_of(platform, key: str) -> UploadSlot:  # type: ignore[no-untyped-def]
    async with platform.session_factory() as session:
        slot = await session.scalar(select(UploadSlot).where(UploadSlot.key == key))
        assert slot is not None
        return slot


async def report_with(client, token: str, area_id: uuid.UUID, keys: list[str]) -> dict:  # type: ignore[no-untyped-def]
    variables = {"input": {"clientId": str(uuid.uuid4()), "areaId": str(area_id), "description": "rib spalling",
                           "photoKeys": keys}}
    return (await gql(client, REPORT, variables, token=token))["reportHazard"]


async def test_an_upload_url_works_once(client, make_mine, platform) -> None:
    mine = await make_mine()
    data = jpeg_bytes()
    ticket, headers = await ticket_for(client, mine.token("miner"), data)
    first = await client.put(ticket["url"], content=data, headers=headers)
    assert first.status_code == 200 and first.json() == {"key": ticket["key"], "size": len(data)}
    assert (await slot_of(platform, ticket["key"])).uploaded_at is not None
    again = await client.put(ticket["url"], content=data, headers=headers)
    assert again.status_code == 410
    assert "already used" in again.json()["error"]


async def test_an_expired_upload_url_is_gone(client, make_mine, platform) -> None:
    mine = await make_mine()
    data = jpeg_bytes()
    ticket, headers = await ticket_for(client, mine.token("miner"), data)
    slot = await slot_of(platform, ticket["key"])
    past = utcnow() - timedelta(minutes=1)
    stale = sign_token(platform.settings, {"slot": str(slot.id), "purpose": UPLOAD_PURPOSE}, past)
    response = await client.put(f"/uploads/{stale}", content=data, headers=headers)
    assert response.status_code == 410 and "expired" in response.json()["error"]
    # a token that is still signed as valid but whose slot has run out is refused too
    async with platform.session_factory() as session:
        stored = await session.get(UploadSlot, slot.id)
        stored.expires_at = past
        await session.commit()
    response = await client.put(ticket["url"], content=data, headers=headers)
    assert response.status_code == 410 and "expired" in response.json()["error"]
    assert (await slot_of(platform, ticket["key"])).uploaded_at is None


async def test_wrong_content_type_is_415(client, make_mine) -> None:
    mine = await make_mine()
    data = jpeg_bytes()
    ticket, _ = await ticket_for(client, mine.token("miner"), data)
    for content_type in ("image/png", "text/plain", "application/octet-stream", ""):
        response = await client.put(ticket["url"], content=data, headers={"Content-Type": content_type})
        assert response.status_code == 415, content_type
        assert "image/jpeg" in response.json()["error"]
    ok = await client.put(ticket["url"], content=data, headers={"Content-Type": "image/jpeg; charset=binary"})
    assert ok.status_code == 200  # the refusals did not use the URL up


async def test_a_body_larger_than_declared_is_413(client, make_mine, platform) -> None:
    mine = await make_mine()
    data = jpeg_bytes()
    ticket, headers = await ticket_for(client, mine.token("miner"), data[:1000])
    response = await client.put(ticket["url"], content=data, headers=headers)
    assert response.status_code == 413

    async def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(data), 4096):
            yield data[start:start + 4096]

    chunked = await client.put(ticket["url"], content=chunks(), headers=headers)  # no Content-Length
    assert chunked.status_code == 413 and "larger than the declared" in chunked.json()["error"]
    assert not any(platform.store.root.rglob(f"{ticket['key'].rsplit('/', 1)[1]}*")), "a partial file was left"
    exact = await client.put(ticket["url"], content=data[:1000], headers=headers)
    assert exact.status_code == 200


@pytest.mark.parametrize("forged", [
    "not-a-token", "eyJhbGciOiJIUzI1NiJ9.eyJzbG90IjoiMSJ9.AAAA", "..", "%2e%2e%2fetc%2fpasswd",
])
async def test_a_forged_upload_token_is_403(client, forged: str) -> None:
    response = await client.put(f"/uploads/{forged}", content=b"x", headers={"Content-Type": "image/jpeg"})
    assert response.status_code in (403, 404), response.status_code
    if response.status_code == 403:
        assert response.json()["error"] == "this link is not valid"


async def test_tokens_signed_elsewhere_or_for_another_purpose_are_403(client, make_mine, platform) -> None:
    mine = await make_mine()
    data = jpeg_bytes()
    ticket, headers = await ticket_for(client, mine.token("miner"), data)
    slot = await slot_of(platform, ticket["key"])
    future = utcnow() + timedelta(minutes=5)
    foreign = platform.settings.model_copy(update={"secret_key": "someone-else-" + "y" * 40})
    for token in (sign_token(foreign, {"slot": str(slot.id), "purpose": UPLOAD_PURPOSE}, future),
                  sign_token(platform.settings, {"slot": str(slot.id), "purpose": "download"}, future),
                  sign_token(platform.settings, {"slot": str(uuid.uuid4()), "purpose": UPLOAD_PURPOSE}, future),
                  sign_token(platform.settings, {"slot": "not-a-uuid", "purpose": UPLOAD_PURPOSE}, future),
                  sign_token(platform.settings, {"purpose": UPLOAD_PURPOSE}, future)):
        response = await client.put(f"/uploads/{token}", content=data, headers=headers)
        assert response.status_code == 403, (response.status_code, response.text)
    # a download link cannot be made from an upload token either
    upload_token = ticket["url"].rsplit("/", 1)[1]
    assert (await client.get(f"/objects/{upload_token}")).status_code == 403


async def test_request_upload_refuses_bad_types_and_sizes(client, make_mine, platform) -> None:
    mine = await make_mine()
    token = mine.token("miner")
    limit = platform.settings.max_photo_bytes
    for content_type, size, field in (("text/plain", 100, "contentType"), ("image/gif", 100, "contentType"),
                                      ("application/x-sh", 100, "contentType"), ("image/jpeg", limit + 1, "size"),
                                      ("image/jpeg", 0, "size"), ("image/jpeg", -1, "size")):
        answer = await request_upload(client, token, size=size, content_type=content_type)
        assert answer["__typename"] == "ValidationFailed", (content_type, size, answer)
        assert answer["field"] == field and answer["message"]
    assert (await request_upload(client, token, size=limit, content_type="IMAGE/JPEG"))["__typename"] \
        == "UploadTicket"
    body = await gql(client, """mutation { requestUpload(input: {kind: PHOTO, contentType: "image/jpeg",
        size: 10}) { __typename } }""", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_keys_of_another_user_or_mine_cannot_be_attached(client, make_mine) -> None:
    mine, other = await make_mine(), await make_mine()
    mine_key = await upload(client, mine.token("miner"), jpeg_bytes())
    other_key = await upload(client, other.token("miner"), jpeg_bytes())
    for token, key in ((mine.token("miner2"), mine_key), (mine.token("miner"), other_key),
                       (mine.token("safety_officer"), mine_key), (mine.token("miner"), "uploads/../../etc/passwd"),
                       (mine.token("miner"), f"uploads/{mine.mine_id}/photo/{uuid.uuid4()}.jpg")):
        answer = await report_with(client, token, mine.areas[0], [key])
        assert answer["__typename"] == "ValidationFailed" and answer["field"] == "key", (key, answer)
        assert "no upload of yours" in answer["message"]
    # the owner still can, after all those attempts
    assert (await report_with(client, mine.token("miner"), mine.areas[0], [mine_key]))["__typename"] == "Hazard"


async def test_a_key_attached_once_cannot_be_attached_again(client, make_mine) -> None:
    mine = await make_mine()
    key = await upload(client, mine.token("miner"), jpeg_bytes())
    first = await report_with(client, mine.token("miner"), mine.areas[0], [key])
    assert first["__typename"] == "Hazard"
    second = await report_with(client, mine.token("miner"), mine.areas[1], [key])
    assert second["__typename"] == "ValidationFailed" and second["field"] == "key"
    assert "already attached" in second["message"] or "no upload" in second["message"], second
    listed = await gql(client, "{ hazards(first: 10) { edges { node { id } } } }", token=mine.token("miner"))
    assert [e["node"]["id"] for e in listed["hazards"]["edges"]] == [first["id"]]


async def test_a_key_that_was_never_uploaded_cannot_be_attached(client, make_mine) -> None:
    mine = await make_mine()
    ticket = await request_upload(client, mine.token("miner"), size=1000)
    answer = await report_with(client, mine.token("miner"), mine.areas[0], [ticket["key"]])
    assert answer["__typename"] == "ValidationFailed" and "nothing was uploaded" in answer["message"]


async def test_a_report_retried_while_the_first_is_still_running_returns_the_same_hazard(client, make_mine) -> None:
    """A phone on a flaky link resends reportHazard (same client id, same keys) before the first answer."""
    import asyncio

    mine = await make_mine()
    token = mine.token("miner")
    keys = [await upload(client, token, jpeg_bytes(1600, 1200, color=(i * 60, 90, 40))) for i in range(2)]
    variables = {"input": {"clientId": str(uuid.uuid4()), "areaId": str(mine.areas[0]), "description": "water",
                           "photoKeys": keys}}
    answers = await asyncio.gather(*(gql(client, REPORT, variables, token=token, expect_errors=True)
                                     for _ in range(3)))
    for answer in answers:
        assert not answer.get("errors"), answer
        hazard = answer["data"]["reportHazard"]
        assert hazard["__typename"] == "Hazard" and hazard["id"] == variables["input"]["clientId"], hazard
        assert len(hazard["photos"]) == 2
    listed = await gql(client, "{ hazards(first: 10) { edges { node { id photos { key } } } } }", token=token)
    assert len(listed["hazards"]["edges"]) == 1 and len(listed["hazards"]["edges"][0]["node"]["photos"]) == 2


async def test_a_rectification_retried_while_the_first_is_running_is_applied_once(client, make_mine) -> None:
    import asyncio

    from tests.backend.api import ACCEPT, RECTIFY, TRIAGE, report

    mine = await make_mine()
    token = mine.token("miner")
    hazard = await report(client, token, mine.areas[0])
    await gql(client, TRIAGE, {"input": {"hazardId": hazard["id"], "grade": "GENERAL", "level": "B",
                                         "responsibleId": mine.user_id("miner")}}, token=mine.token("safety_officer"))
    await gql(client, ACCEPT, {"id": hazard["id"]}, token=token)
    key = await upload(client, token, jpeg_bytes(1600, 1200))
    variables = {"input": {"hazardId": hazard["id"], "clientId": str(uuid.uuid4()), "note": "done", "photoKeys": [key]}}
    answers = await asyncio.gather(*(gql(client, RECTIFY, variables, token=token, expect_errors=True)
                                     for _ in range(3)))
    for answer in answers:
        assert not answer.get("errors"), answer
        done = answer["data"]["submitRectification"]
        assert done["state"] == "PENDING_REVIEW" and len(done["rectificationPhotos"]) == 1, done


async def test_one_key_in_two_concurrent_reports_is_attached_once(client, make_mine) -> None:
    import asyncio

    mine = await make_mine()
    token = mine.token("miner")
    key = await upload(client, token, jpeg_bytes(1600, 1200))
    answers = await asyncio.gather(*(report_with(client, token, mine.areas[0], [key]) for _ in range(3)))
    kinds = sorted(a["__typename"] for a in answers)
    assert kinds == ["Hazard", "ValidationFailed", "ValidationFailed"], answers
    listed = await gql(client, "{ hazards(first: 10) { edges { node { id } } } }", token=token)
    assert len(listed["hazards"]["edges"]) == 1


async def test_two_puts_to_one_upload_url_at_once_store_one_upload(client, make_mine, platform) -> None:
    """Both stream at the same time; exactly one becomes the object, the other is told the link was used."""
    import asyncio

    mine = await make_mine()
    first_bytes = jpeg_bytes()
    second_bytes = bytes(reversed(first_bytes))
    ticket, headers = await ticket_for(client, mine.token("miner"), first_bytes)
    both_streaming = asyncio.Barrier(2)

    async def put(data: bytes):  # type: ignore[no-untyped-def]
        async def chunks():  # type: ignore[no-untyped-def]
            half = len(data) // 2
            yield data[:half]
            await both_streaming.wait()  # neither finishes before the other has started
            yield data[half:]

        return await client.put(ticket["url"], content=chunks(), headers=headers)

    responses = await asyncio.gather(put(first_bytes), put(second_bytes))
    assert sorted(r.status_code for r in responses) == [200, 410]
    winner = first_bytes if responses[0].status_code == 200 else second_bytes
    assert await platform.store.get(ticket["key"]) == winner
    loser = next(r for r in responses if r.status_code == 410)
    assert "already used" in loser.json()["error"]
    leftovers = [p.name for p in platform.store.path_for(ticket["key"]).parent.iterdir() if p.name.endswith(".part")]
    assert leftovers == []
