"""S3ObjectStore against a real S3 server (SeaweedFS on 127.0.0.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from minio.error import S3Error

from backend.config import Settings
from backend.storage.base import ObjectNotFound
from backend.storage.s3 import S3ObjectStore, check_key
from tests.s3_server import S3Server

pytestmark = pytest.mark.s3


def new_key(suffix: str = "bin") -> str:
    return f"tests/{uuid.uuid4()}.{suffix}"


def soon(minutes: int = 5) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def test_put_get_stat_delete(s3_store: S3ObjectStore) -> None:
    key = new_key("txt")
    await s3_store.put(key, b"hello mine", content_type="text/plain")

    assert await s3_store.get(key) == b"hello mine"
    info = await s3_store.stat(key)
    assert (info.key, info.size, info.content_type) == (key, 10, "text/plain")

    await s3_store.delete(key)
    with pytest.raises(ObjectNotFound):
        await s3_store.stat(key)


async def test_stream_reads_in_chunks(s3_store: S3ObjectStore) -> None:
    key = new_key()
    data = bytes(range(256)) * 1000  # 256000 bytes
    await s3_store.put(key, data, content_type="application/octet-stream")

    chunks = [chunk async for chunk in s3_store.stream(key, chunk_size=64 * 1024)]

    assert b"".join(chunks) == data
    assert len(chunks) == 4
    assert all(len(chunk) <= 64 * 1024 for chunk in chunks)


async def test_missing_key_raises_object_not_found(s3_store: S3ObjectStore) -> None:
    key = new_key()
    with pytest.raises(ObjectNotFound):
        await s3_store.stat(key)
    with pytest.raises(ObjectNotFound):
        await s3_store.get(key)
    with pytest.raises(ObjectNotFound):
        async for _ in s3_store.stream(key):
            pass


async def test_get_refuses_objects_over_max_bytes(s3_store: S3ObjectStore) -> None:
    key = new_key()
    await s3_store.put(key, b"x" * 1001, content_type="application/octet-stream")

    with pytest.raises(ValueError, match="1001 bytes"):
        await s3_store.get(key, max_bytes=1000)
    assert len(await s3_store.get(key, max_bytes=1001)) == 1001


async def test_presigned_put_then_get(s3_store: S3ObjectStore) -> None:
    key = new_key("jpg")
    body = b"\xff\xd8\xff" + b"jpeg bytes" * 100
    upload = await s3_store.presign_put(key, content_type="image/jpeg", size=len(body), expires_at=soon(),
                                        upload_token="ignored")
    assert upload.method == "PUT"
    assert upload.headers["Content-Type"] == "image/jpeg"

    async with httpx.AsyncClient() as client:
        response = await client.put(upload.url, content=body, headers=upload.headers)
    assert response.status_code == 200, response.text

    assert await s3_store.get(key) == body
    assert (await s3_store.stat(key)).content_type == "image/jpeg"


async def test_presigned_put_refuses_other_type_size_or_key(s3_store: S3ObjectStore) -> None:
    key = new_key("jpg")
    body = b"\xff\xd8\xff" + b"a" * 97
    upload = await s3_store.presign_put(key, content_type="image/jpeg", size=len(body), expires_at=soon(),
                                        upload_token="")
    async with httpx.AsyncClient() as client:
        wrong_type = await client.put(upload.url, content=body, headers={"Content-Type": "text/html"})
        bigger = await client.put(upload.url, content=body + b"more",
                                  headers={"Content-Type": "image/jpeg"})
        other_key = await client.put(upload.url.replace(key, new_key("jpg")), content=body,
                                     headers=upload.headers)
    assert wrong_type.status_code == 403
    assert bigger.status_code == 403
    assert other_key.status_code == 403
    with pytest.raises(ObjectNotFound):
        await s3_store.stat(key)


async def test_expired_presigned_put_is_refused(s3_store: S3ObjectStore) -> None:
    key = new_key("jpg")
    signed_at = datetime.now(UTC) - timedelta(hours=1)
    upload = s3_store.presign_put_at(key, content_type="image/jpeg", size=3,
                                     expires_at=signed_at + timedelta(minutes=15), now=signed_at)
    async with httpx.AsyncClient() as client:
        response = await client.put(upload.url, content=b"abc", headers=upload.headers)
    assert response.status_code == 403
    with pytest.raises(ObjectNotFound):
        await s3_store.stat(key)


async def test_presigned_get(s3_store: S3ObjectStore) -> None:
    key = new_key("jpg")
    await s3_store.put(key, b"photo bytes", content_type="image/jpeg")

    url = await s3_store.presign_get(key, expires_at=soon(), download_token="")
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
        tampered = await client.get(url.replace(key, new_key("jpg")))

    assert response.status_code == 200
    assert response.content == b"photo bytes"
    assert response.headers["content-type"] == "image/jpeg"
    assert tampered.status_code == 403


async def test_presign_rejects_past_or_naive_expiry(s3_store: S3ObjectStore) -> None:
    with pytest.raises(ValueError, match="future"):
        await s3_store.presign_put(new_key(), content_type="image/jpeg", size=1,
                                   expires_at=datetime.now(UTC) - timedelta(seconds=5), upload_token="")
    with pytest.raises(ValueError, match="timezone"):
        await s3_store.presign_get(new_key(), expires_at=datetime.now() + timedelta(minutes=5),
                                   download_token="")


@pytest.mark.parametrize("key", ["", "/abs/path.jpg", "a/../b.jpg", "a//b.jpg", "./a.jpg", "a\\b.jpg"])
async def test_unsafe_keys_are_refused(s3_store: S3ObjectStore, key: str) -> None:
    with pytest.raises(ValueError):
        check_key(key)
    with pytest.raises(ValueError):
        await s3_store.put(key, b"x", content_type="text/plain")


async def test_key_with_spaces_and_unicode_round_trips(s3_store: S3ObjectStore) -> None:
    key = f"tests/{uuid.uuid4()} 巷道 +(1).txt"
    upload = await s3_store.presign_put(key, content_type="text/plain", size=2, expires_at=soon(),
                                        upload_token="")
    async with httpx.AsyncClient() as client:
        response = await client.put(upload.url, content=b"ok", headers=upload.headers)
    assert response.status_code == 200, response.text
    assert await s3_store.get(key) == b"ok"


async def test_ensure_bucket_creates_a_missing_bucket_once(s3_server: S3Server) -> None:
    bucket = f"ensure-{uuid.uuid4().hex[:12]}"
    store = s3_server.store(bucket=bucket)
    try:
        await store.ensure_bucket()
        await store.ensure_bucket()  # idempotent
        await store.put("a.txt", b"a", content_type="text/plain")
        assert await store.get("a.txt") == b"a"
    finally:
        await store.close()


async def test_wrong_secret_is_refused(s3_server: S3Server) -> None:
    store = S3ObjectStore(endpoint=s3_server.endpoint, access_key=s3_server.access_key,
                          secret_key="not-the-secret", bucket=s3_server.bucket, region=s3_server.region)
    try:
        with pytest.raises(S3Error, match=r"(?i)access ?denied|signature"):
            await store.put(new_key(), b"x", content_type="text/plain")
    finally:
        await store.close()


async def test_from_settings(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in s3_server.settings_env().items():
        monkeypatch.setenv(name, value)
    store = S3ObjectStore.from_settings(Settings(_env_file=None))
    try:
        key = new_key("txt")
        await store.put(key, b"from settings", content_type="text/plain")
        assert await store.get(key) == b"from settings"
    finally:
        await store.close()


def test_endpoint_with_scheme_sets_secure() -> None:
    store = S3ObjectStore(endpoint="https://s3.example.org", access_key="a", secret_key="b", bucket="bkt")
    assert (store.endpoint, store.secure) == ("s3.example.org", True)
    upload = store.presign_put_at("p/x.jpg", content_type="image/jpeg", size=5,
                                  expires_at=datetime(2030, 1, 1, 0, 5, tzinfo=UTC),
                                  now=datetime(2030, 1, 1, tzinfo=UTC))
    assert upload.url.startswith("https://s3.example.org/bkt/p/x.jpg?")
    assert "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost" in upload.url
    for bad in ("http://host:9000/path", "ftp://host", ""):
        with pytest.raises(ValueError, match="host"):
            S3ObjectStore(endpoint=bad, access_key="a", secret_key="b", bucket="bkt")


async def test_public_endpoint_signs_for_the_host_clients_reach(s3_server: S3Server) -> None:
    # inside: plain http to the server; outside: https at another name (a TLS proxy in production)
    store = S3ObjectStore(endpoint=s3_server.endpoint, access_key=s3_server.access_key,
                          secret_key=s3_server.secret_key, bucket=s3_server.bucket,
                          public_endpoint="https://files.mine.example")
    try:
        upload = await store.presign_put("p/a.jpg", content_type="image/jpeg", size=1, expires_at=soon(),
                                         upload_token="")
        download = await store.presign_get("p/a.jpg", expires_at=soon(), download_token="")
        assert upload.url.startswith("https://files.mine.example/minesafe-test/p/a.jpg?")
        assert download.startswith("https://files.mine.example/minesafe-test/p/a.jpg?")
        await store.put(new_key(), b"inside", content_type="text/plain")  # still talks to the real server
    finally:
        await store.close()
