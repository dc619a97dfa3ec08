"""Hostile photos through reportHazard over HTTP: each is refused with a clear reason and nothing is saved.

Also: the stored photo of a phone picture has its EXIF orientation applied and its GPS position gone.
"""

from __future__ import annotations

import io
import struct
import uuid
import zlib

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select

from backend.audit.models import AuditEntry
from backend.hazards.models import Hazard, HazardPhoto
from backend.storage.base import ObjectNotFound
from tests.backend.api import REPORT, jpeg_bytes, request_upload, upload
from tests.conftest import gql


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = 20000) -> bytes:
    """A complete, valid 1-bit PNG of side×side pixels that is tiny on disk."""
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row * 500) for _ in range(side // 500)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", compressed) + png_chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return png_bomb()


async def put_raw(client, token: str, data: bytes, *, declared: int | None = None,  # type: ignore[no-untyped-def]
                  content_type: str = "image/jpeg") -> str:
    """Upload any bytes as a photo (the upload route does not look inside; reportHazard does)."""
    ticket = await request_upload(client, token, size=declared or max(len(data), 1), content_type=content_type)
    assert ticket["__typename"] == "UploadTicket", ticket
    response = await client.put(ticket["url"], content=data, headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    return ticket["key"]


async def report_keys(client, token: str, area_id: uuid.UUID, keys: list[str],  # type: ignore[no-untyped-def]
                      client_id: str) -> dict:
    variables = {"input": {"clientId": client_id, "areaId": str(area_id), "description": "gas drainage pipe cracked",
                           "photoKeys": keys}}
    return (await gql(client, REPORT, variables, token=token))["reportHazard"]


async def assert_nothing_saved(platform, client_id: str) -> None:  # type: ignore[no-untyped-def]
    hazard_id = uuid.UUID(client_id)
    async with platform.session_factory() as session:
        assert await session.get(Hazard, hazard_id) is None
        photos = await session.scalar(select(func.count()).select_from(HazardPhoto)
                                      .where(HazardPhoto.hazard_id == hazard_id))
        entries = await session.scalar(select(func.count()).select_from(AuditEntry)
                                       .where(AuditEntry.subject_id == client_id))
    assert photos == 0 and entries == 0
    left = list((platform.store.root / "photos" / client_id).rglob("*"))
    assert not left, f"photo files were left behind: {left}"


HOSTILE = {
    "text renamed .jpg": (b"#!/bin/sh\necho this is not a photo\n" * 40, "NOT_AN_IMAGE", "not an image"),
    "truncated JPEG": (None, "TRUNCATED", "incomplete"),
    "zero bytes": (b"", "EMPTY", "empty"),
    "GIF": (b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;", "UNSUPPORTED_FORMAT", "GIF"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_a_hostile_photo_is_refused_and_nothing_is_saved(client, make_mine, platform, name: str) -> None:
    mine = await make_mine()
    data, reason, words = HOSTILE[name]
    if data is None:
        whole = jpeg_bytes(1600, 1200)
        data = whole[: len(whole) // 2]
    key = await put_raw(client, mine.token("miner"), data, declared=max(len(data), 10))
    client_id = str(uuid.uuid4())
    answer = await report_keys(client, mine.token("miner"), mine.areas[0], [key], client_id)
    assert answer["__typename"] == "PhotoRejected", answer
    assert answer["reason"] == reason and answer["key"] == key
    assert words.lower() in answer["message"].lower() and answer["message"].startswith("photo 1:")
    await assert_nothing_saved(platform, client_id)


async def test_a_png_bomb_is_refused_before_decoding(client, make_mine, platform, bomb: bytes) -> None:
    assert len(bomb) < 200_000  # small on disk, 400 megapixels inside
    mine = await make_mine()
    key = await put_raw(client, mine.token("miner"), bomb, content_type="image/png")
    client_id = str(uuid.uuid4())
    answer = await report_keys(client, mine.token("miner"), mine.areas[0], [key], client_id)
    assert answer["__typename"] == "PhotoRejected" and answer["reason"] == "TOO_MANY_PIXELS", answer
    assert "pixels" in answer["message"]
    await assert_nothing_saved(platform, client_id)


async def test_an_oversized_file_is_refused(client, make_mine, platform) -> None:
    mine = await make_mine()
    limit = platform.settings.max_photo_bytes
    over = await request_upload(client, mine.token("miner"), size=limit + 1)
    assert over["__typename"] == "ValidationFailed" and over["field"] == "size"
    assert str(limit) in over["message"]
    # bytes that grew past their declared size in the store (an S3 client ignoring the declared length)
    ticket = await request_upload(client, mine.token("miner"), size=100)
    await platform.store.put(ticket["key"], jpeg_bytes(), content_type="image/jpeg")
    client_id = str(uuid.uuid4())
    answer = await report_keys(client, mine.token("miner"), mine.areas[0], [ticket["key"]], client_id)
    assert answer["__typename"] == "ValidationFailed" and "larger than the size declared" in answer["message"]
    await assert_nothing_saved(platform, client_id)


async def test_one_bad_photo_among_good_ones_refuses_the_report_and_leaves_no_files(client, make_mine,
                                                                                   platform) -> None:
    mine = await make_mine()
    token = mine.token("miner")
    good = [await upload(client, token, jpeg_bytes(color=(200, 10 * i, 10))) for i in range(2)]
    bad = await put_raw(client, token, b"not a picture at all" * 10)
    client_id = str(uuid.uuid4())
    answer = await report_keys(client, token, mine.areas[0], [*good, bad], client_id)
    assert answer["__typename"] == "PhotoRejected" and answer["message"].startswith("photo 3:"), answer
    await assert_nothing_saved(platform, client_id)
    # the good uploads were not used up: the report goes through without the bad one, same client id
    retried = await report_keys(client, token, mine.areas[0], good, client_id)
    assert retried["__typename"] == "Hazard" and len(retried["photos"]) == 2, retried


def phone_photo() -> bytes:
    """An 800×600 JPEG as stored by a phone held upright: EXIF orientation 6, GPS and maker notes."""
    image = Image.new("RGB", (800, 600), (30, 30, 200))
    image.paste((255, 0, 0), (0, 0, 100, 100))  # a red block at the stored top-left
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (39.0, 54.0, 1.5), 3: "E", 4: (116.0, 23.0, 2.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return data


async def test_gps_is_stripped_and_orientation_applied_in_the_stored_photo(client, make_mine, platform) -> None:
    mine = await make_mine()
    key = await upload(client, mine.token("miner"), phone_photo())
    answer = await report_keys(client, mine.token("miner"), mine.areas[0], [key], str(uuid.uuid4()))
    assert answer["__typename"] == "Hazard", answer
    (photo,) = answer["photos"]
    assert (photo["width"], photo["height"]) == (600, 800)  # turned upright

    stored = await client.get(photo["url"])
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(stored.content))
    assert image.size == (600, 800)
    assert not image.getexif() and "exif" not in image.info
    for needle in (b"PhoneMaker", b"Exif\x00\x00", b"\xff\xe1"):
        assert needle not in stored.content
    red, blue = image.getpixel((550, 50)), image.getpixel((50, 50))
    assert red[0] > 200 and red[2] < 60, red  # the block is now at the top-right
    assert blue[2] > 150 and blue[0] < 60, blue
    thumb = Image.open(io.BytesIO((await client.get(photo["thumbnailUrl"])).content))
    assert thumb.size[1] > thumb.size[0] and not thumb.getexif()
    with pytest.raises(ObjectNotFound):  # the original upload (with its GPS) is gone after the commit
        await platform.store.stat(key)
