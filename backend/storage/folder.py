"""The embedded default: objects as files under one folder, uploads through the backend's own URL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

from backend.storage.base import ObjectInfo, ObjectNotFound, ObjectStore, PresignedUpload

CONTENT_TYPE_SUFFIX = ".content-type"


class UploadClaimLost(Exception):
    """Another upload to the same one-shot URL finished first."""


class FolderObjectStore(ObjectStore):
    def __init__(self, root: Path, public_url: str) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.public_url = public_url.rstrip("/")

    def path_for(self, key: str) -> Path:
        """The file for a key; keys that climb out of the root are refused."""
        path = (self.root / key).resolve()
        if not key or self.root not in path.parents:
            raise ValueError(f"invalid object key {key!r}")
        return path

    async def put(self, key: str, data: bytes, *, content_type: str) -> None:
        await asyncio.to_thread(self._write, key, data, content_type)

    def _write(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
        partial.write_bytes(data)
        os.replace(partial, path)
        path.with_name(path.name + CONTENT_TYPE_SUFFIX).write_text(content_type)

    async def write_stream(self, key: str, chunks: AsyncIterator[bytes], *, content_type: str, max_bytes: int,
                           claim: Callable[[], Awaitable[bool]] | None = None) -> int:
        """Write a streamed upload atomically; raises ValueError past max_bytes.

        Each writer has its own partial file. With ``claim``, the upload becomes the object only if
        ``claim()`` says True once every byte is on disk (a one-shot URL used twice at once keeps one
        upload; the other gets UploadClaimLost).
        """
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
        written = 0
        try:
            with partial.open("wb") as file:
                async for chunk in chunks:
                    written += len(chunk)
                    if written > max_bytes:
                        raise ValueError(f"upload is larger than the declared {max_bytes} bytes")
                    await asyncio.to_thread(file.write, chunk)
            if claim is not None and not await claim():
                raise UploadClaimLost(key)
            os.replace(partial, path)
            path.with_name(path.name + CONTENT_TYPE_SUFFIX).write_text(content_type)
        finally:
            partial.unlink(missing_ok=True)
        return written

    async def get(self, key: str, *, max_bytes: int | None = None) -> bytes:
        info = await self.stat(key)
        if max_bytes is not None and info.size > max_bytes:
            raise ValueError(f"object {key} is {info.size} bytes, more than {max_bytes}")
        return await asyncio.to_thread(self.path_for(key).read_bytes)

    async def stat(self, key: str) -> ObjectInfo:
        path = self.path_for(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError as error:
            raise ObjectNotFound(key) from error
        type_file = path.with_name(path.name + CONTENT_TYPE_SUFFIX)
        content_type = type_file.read_text() if type_file.exists() else None
        return ObjectInfo(key=key, size=size, content_type=content_type)

    async def stream(self, key: str, *, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]:
        path = self.path_for(key)
        if not path.exists():
            raise ObjectNotFound(key)
        with path.open("rb") as file:
            while chunk := await asyncio.to_thread(file.read, chunk_size):
                yield chunk

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        path.unlink(missing_ok=True)
        path.with_name(path.name + CONTENT_TYPE_SUFFIX).unlink(missing_ok=True)

    async def presign_put(self, key: str, *, content_type: str, size: int, expires_at: datetime,
                          upload_token: str) -> PresignedUpload:
        return PresignedUpload(
            url=f"{self.public_url}/uploads/{upload_token}",
            method="PUT",
            headers={"Content-Type": content_type},
            expires_at=expires_at,
        )

    async def presign_get(self, key: str, *, expires_at: datetime, download_token: str) -> str:
        return f"{self.public_url}/objects/{download_token}"
