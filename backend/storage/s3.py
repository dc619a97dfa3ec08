"""The S3 object store (MinIO in production, SeaweedFS in tests) through the sync `minio` client.

Every blocking call runs on a small private thread pool so the event loop never waits on the
network. Presigned PUT URLs are signed here (AWS Signature V4, query string form) with the
`content-type` and `content-length` headers among the signed headers, so the server itself refuses
an upload of another type or size; the minio client can only sign `host`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import io
import logging
import posixpath
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit

from minio import Minio
from minio.error import S3Error

from backend.storage.base import ObjectInfo, ObjectNotFound, ObjectStore, PresignedUpload

if TYPE_CHECKING:
    from backend.config import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchObject", "ResourceNotFound", "NotFound"})
_MAX_PRESIGN = timedelta(days=7)


def check_key(key: str) -> str:
    """Return `key` when it is a safe relative object key, else raise ValueError."""
    if not key or len(key) > 1024:
        raise ValueError("object key must be 1 to 1024 characters")
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"object key {key!r} must be a relative path with forward slashes")
    if posixpath.normpath(key) != key or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"object key {key!r} must not contain empty, '.' or '..' segments")
    return key


def _seconds_until(expires_at: datetime, now: datetime) -> int:
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    seconds = int((expires_at - now).total_seconds())
    if seconds < 1:
        raise ValueError("expires_at must be in the future")
    if seconds > _MAX_PRESIGN.total_seconds():
        raise ValueError("a presigned URL can live at most 7 days")
    return seconds


def _uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """AWS UriEncode: every byte but A-Z a-z 0-9 - _ . ~ (and '/' in paths) percent-encoded."""
    return quote(value, safe="/~" if keep_slash else "~")


def presign_v4_url(
    *,
    method: str,
    endpoint: str,
    secure: bool,
    region: str,
    access_key: str,
    secret_key: str,
    bucket: str,
    key: str,
    expires: int,
    headers: dict[str, str],
    now: datetime,
) -> str:
    """A path-style SigV4 presigned URL whose signature also covers `headers` (plus host)."""
    scheme = "https" if secure else "http"
    host = endpoint
    default_port = ":443" if secure else ":80"
    if host.endswith(default_port):
        host = host[: -len(default_port)]
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    scope = f"{day}/{region}/s3/aws4_request"
    canonical_headers = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    canonical_headers["host"] = host
    signed_headers = ";".join(sorted(canonical_headers))
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{access_key}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": signed_headers,
    }
    canonical_query = "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(query.items()))
    path = f"/{_uri_encode(bucket)}/{_uri_encode(key, keep_slash=True)}"
    header_block = "".join(f"{name}:{canonical_headers[name]}\n" for name in sorted(canonical_headers))
    canonical_request = (
        f"{method}\n{path}\n{canonical_query}\n{header_block}\n{signed_headers}\nUNSIGNED-PAYLOAD"
    )
    string_to_sign = (
        f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    )
    signing_key = ("AWS4" + secret_key).encode()
    for part in (day, region, "s3", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{scheme}://{host}{path}?{canonical_query}&X-Amz-Signature={signature}"


def _parse_endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    """`host[:port]` or `http(s)://host[:port]` -> (host[:port], secure); a scheme overrides `secure`."""
    parsed = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    if parsed.scheme not in ("", "http", "https") or not parsed.netloc or parsed.path not in ("", "/"):
        raise ValueError(f"S3 endpoint must be host[:port] or http(s)://host[:port], got {endpoint!r}")
    return parsed.netloc, (parsed.scheme == "https") if parsed.scheme else secure


class S3ObjectStore(ObjectStore):
    """Objects in one S3 bucket.

    `public_endpoint` is where clients (phones, robots) reach the server when that differs from
    `endpoint` (e.g. `https://files.mine.example` outside, `minio:9000` inside): presigned URLs are
    signed for it, so it must be exactly the host the client connects to.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
        max_workers: int = 8,
    ) -> None:
        self.endpoint, self.secure = _parse_endpoint(endpoint, secure)
        self.public_endpoint, self.public_secure = (
            _parse_endpoint(public_endpoint, self.secure) if public_endpoint else (self.endpoint, self.secure))
        self.bucket = bucket
        self.region = region
        self._access_key = access_key
        self._secret_key = secret_key
        # region given: the client never asks the server for the bucket location
        self._client = Minio(self.endpoint, access_key=access_key, secret_key=secret_key,
                             secure=self.secure, region=region)
        self._public_client = (
            self._client if (self.public_endpoint, self.public_secure) == (self.endpoint, self.secure)
            else Minio(self.public_endpoint, access_key=access_key, secret_key=secret_key,
                       secure=self.public_secure, region=region)
        )
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="s3")

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ObjectStore:
        """Build the store from the s3_* settings."""
        return cls(
            endpoint=settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            bucket=settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            public_endpoint=settings.s3_public_endpoint or None,
        )

    async def _run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist yet."""
        if await self._run(self._client.bucket_exists, self.bucket):
            return
        try:
            await self._run(self._client.make_bucket, self.bucket, location=self.region)
            logger.info("created bucket %s on %s", self.bucket, self.endpoint)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        check_key(key)
        await self._run(self._client.put_object, self.bucket, key, io.BytesIO(data), len(data),
                        content_type=content_type)

    async def get(self, key: str, *, max_bytes: int | None = None) -> bytes:
        info = await self.stat(key)
        if max_bytes is not None and info.size > max_bytes:
            raise ValueError(f"object {key} is {info.size} bytes, more than the {max_bytes} allowed")
        chunks: list[bytes] = []
        total = 0
        async for chunk in self.stream(key):
            total += len(chunk)
            if max_bytes is not None and total > max_bytes:  # replaced since the stat
                raise ValueError(f"object {key} is more than the {max_bytes} bytes allowed")
            chunks.append(chunk)
        return b"".join(chunks)

    async def stat(self, key: str) -> ObjectInfo:
        check_key(key)
        try:
            result = await self._run(self._client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING_CODES:
                raise ObjectNotFound(key) from exc
            raise
        return ObjectInfo(key=key, size=int(result.size or 0), content_type=result.content_type)

    async def stream(self, key: str, *, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]:
        check_key(key)
        try:
            response = await self._run(self._client.get_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING_CODES:
                raise ObjectNotFound(key) from exc
            raise
        try:
            while True:
                chunk = await self._run(response.read, chunk_size)
                if not chunk:
                    return
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._run(self._client.remove_object, self.bucket, key)

    async def presign_put(self, key: str, *, content_type: str, size: int, expires_at: datetime,
                          upload_token: str = "") -> PresignedUpload:
        """A PUT URL bound to this key, content type and exact size; upload_token is unused here."""
        check_key(key)
        if size < 0:
            raise ValueError("size must not be negative")
        if not content_type or "\n" in content_type or "\r" in content_type:
            raise ValueError("content_type is required")
        return self.presign_put_at(key, content_type=content_type, size=size, expires_at=expires_at,
                                   now=datetime.now(UTC))

    def presign_put_at(self, key: str, *, content_type: str, size: int, expires_at: datetime,
                       now: datetime) -> PresignedUpload:
        """presign_put as if signed at `now` (lets tests make an already expired URL)."""
        headers = {"Content-Type": content_type, "Content-Length": str(size)}
        url = presign_v4_url(
            method="PUT", endpoint=self.public_endpoint, secure=self.public_secure, region=self.region,
            access_key=self._access_key, secret_key=self._secret_key, bucket=self.bucket, key=key,
            expires=_seconds_until(expires_at, now), headers=headers, now=now,
        )
        return PresignedUpload(url=url, method="PUT", headers=headers, expires_at=expires_at)

    async def presign_get(self, key: str, *, expires_at: datetime, download_token: str = "") -> str:
        """A presigned GET URL (signing is local: no network call); download_token is unused here."""
        check_key(key)
        expires = timedelta(seconds=_seconds_until(expires_at, datetime.now(UTC)))
        return await self._run(self._public_client.get_presigned_url, "GET", self.bucket, key,
                               expires=expires)

    async def close(self) -> None:
        """Drop pooled connections and stop the worker threads."""
        for client in {id(c): c for c in (self._client, self._public_client)}.values():
            client._http.clear()  # urllib3 PoolManager; minio has no public close
        self._executor.shutdown(wait=False, cancel_futures=True)
