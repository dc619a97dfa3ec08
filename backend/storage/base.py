"""The ObjectStore interface every store implements."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime


class ObjectNotFound(Exception):
    """No object under that key."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str | None


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """Where and how a client PUTs the bytes of one object."""

    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class ObjectStore(abc.ABC):
    """Bytes by key. Keys are relative paths such as `photos/<mine>/<uuid>.jpg`."""

    @abc.abstractmethod
    async def put(self, key: str, data: bytes, *, content_type: str) -> None: ...

    @abc.abstractmethod
    async def get(self, key: str, *, max_bytes: int | None = None) -> bytes:
        """The whole object; raises ValueError when it is larger than max_bytes."""

    @abc.abstractmethod
    async def stat(self, key: str) -> ObjectInfo: ...

    @abc.abstractmethod
    def stream(self, key: str, *, chunk_size: int = 1024 * 1024) -> AsyncIterator[bytes]: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None: ...

    @abc.abstractmethod
    async def presign_put(self, key: str, *, content_type: str, size: int, expires_at: datetime,
                          upload_token: str) -> PresignedUpload:
        """A URL the client PUTs to. upload_token is the backend's signed token for folder stores."""

    @abc.abstractmethod
    async def presign_get(self, key: str, *, expires_at: datetime, download_token: str) -> str: ...

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
