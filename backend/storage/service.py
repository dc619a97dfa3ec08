"""Upload slots: request, accept the bytes (folder store), and consume by key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.roles import Principal
from backend.config import Settings
from backend.database.base import utcnow
from backend.errors import ValidationFailed
from backend.storage.base import ObjectNotFound, ObjectStore, PresignedUpload
from backend.storage.models import UploadKind, UploadSlot

ALLOWED_CONTENT_TYPES: dict[UploadKind, dict[str, str]] = {
    UploadKind.PHOTO: {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"},
    UploadKind.SNAPSHOT: {"image/jpeg": "jpg", "image/png": "png"},
    UploadKind.VIDEO: {"video/mp4": "mp4", "video/x-matroska": "mkv", "video/quicktime": "mov",
                       "video/x-msvideo": "avi", "video/webm": "webm"},
    UploadKind.DOCUMENT: {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
                          "video/mp4": "mp4", "text/plain": "txt", "text/csv": "csv",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"},
}
UPLOAD_PURPOSE = "upload"
DOWNLOAD_PURPOSE = "download"


class UploadRefused(Exception):
    """The bytes sent to an upload URL were refused; status is the HTTP status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def max_size_for(kind: UploadKind, settings: Settings) -> int:
    if kind is UploadKind.VIDEO:
        return settings.max_video_bytes
    if kind is UploadKind.DOCUMENT:
        return settings.max_video_bytes
    return settings.max_photo_bytes


@dataclass(frozen=True, slots=True)
class UploadTicketData:
    slot: UploadSlot
    presigned: PresignedUpload


async def request_upload(*, session: AsyncSession, store: ObjectStore, settings: Settings, actor: Principal,
                         kind: UploadKind, content_type: str, size: int) -> UploadTicketData:
    """Reserve a key for one object and return where to PUT it."""
    extension = ALLOWED_CONTENT_TYPES[kind].get(content_type.lower())
    if extension is None:
        allowed = ", ".join(ALLOWED_CONTENT_TYPES[kind])
        raise ValidationFailed(f"{content_type!r} is not accepted for {kind.value}; use {allowed}",
                                    field="contentType")
    limit = max_size_for(kind, settings)
    if size <= 0:
        raise ValidationFailed("size must be a positive number of bytes", field="size")
    if size > limit:
        raise ValidationFailed(f"{size} bytes is over the {limit}-byte limit for {kind.value}",
                                    field="size")
    slot_id = uuid.uuid4()
    expires_at = utcnow() + timedelta(minutes=settings.upload_url_minutes)
    slot = UploadSlot(
        id=slot_id, mine_id=actor.mine_id, owner_id=actor.id, kind=kind,
        key=f"uploads/{actor.mine_id}/{kind.value.lower()}/{slot_id}.{extension}",
        content_type=content_type.lower(), declared_size=size, expires_at=expires_at,
    )
    session.add(slot)
    await session.flush()
    token = sign_token(settings, {"slot": str(slot_id), "purpose": UPLOAD_PURPOSE}, expires_at)
    presigned = await store.presign_put(slot.key, content_type=slot.content_type, size=size,
                                        expires_at=expires_at, upload_token=token)
    return UploadTicketData(slot=slot, presigned=presigned)


def sign_token(settings: Settings, claims: dict[str, str], expires_at: datetime) -> str:
    return jwt.encode({**claims, "exp": int(expires_at.timestamp())}, settings.secret_key, algorithm="HS256")


def read_token(settings: Settings, token: str, purpose: str) -> dict[str, str]:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"])
    except jwt.ExpiredSignatureError as error:
        raise UploadRefused("this link has expired", 410) from error
    except jwt.PyJWTError as error:
        raise UploadRefused("this link is not valid", 403) from error
    if claims.get("purpose") != purpose:
        raise UploadRefused("this link is not valid", 403)
    return claims


async def slot_for_upload_token(*, session: AsyncSession, settings: Settings, token: str) -> UploadSlot:
    """The open slot behind a folder-store upload URL; used or expired ones are refused."""
    claims = read_token(settings, token, UPLOAD_PURPOSE)
    try:
        slot_id = uuid.UUID(str(claims["slot"]))
    except (KeyError, ValueError) as error:
        raise UploadRefused("this upload link is not valid", 403) from error
    slot = await session.get(UploadSlot, slot_id, with_for_update=True)
    if slot is None:
        raise UploadRefused("this upload link is not valid", 403)
    if slot.uploaded_at is not None or slot.consumed_at is not None:
        raise UploadRefused("this upload link was already used; request a new one", 410)
    if slot.expires_at <= utcnow():
        raise UploadRefused("this upload link has expired; request a new one", 410)
    return slot


async def claim_upload_slot(*, session: AsyncSession, slot_id: uuid.UUID) -> bool:
    """Mark a slot uploaded if nothing was uploaded to it yet (one conditional UPDATE); True for the winner."""
    result = await session.execute(
        update(UploadSlot).where(UploadSlot.id == slot_id, UploadSlot.uploaded_at.is_(None),
                                 UploadSlot.consumed_at.is_(None)).values(uploaded_at=utcnow())
    )
    return result.rowcount == 1


def download_url_token(settings: Settings, key: str, minutes: int = 60) -> tuple[str, datetime]:
    expires_at = utcnow() + timedelta(minutes=minutes)
    return sign_token(settings, {"key": key, "purpose": DOWNLOAD_PURPOSE}, expires_at), expires_at


async def download_url(*, store: ObjectStore, settings: Settings, key: str, minutes: int = 60) -> str:
    token, expires_at = download_url_token(settings, key, minutes)
    return await store.presign_get(key, expires_at=expires_at, download_token=token)


async def consume_upload(*, session: AsyncSession, store: ObjectStore, actor: Principal, key: str,
                         kinds: set[UploadKind], used_by: str) -> UploadSlot:
    """Take an uploaded object for one record: it must be the caller's, uploaded, and unused."""
    slot = await session.scalar(select(UploadSlot).where(UploadSlot.key == key).with_for_update())
    if slot is None or slot.owner_id != actor.id or slot.mine_id != actor.mine_id:
        raise ValidationFailed(f"no upload of yours has the key {key!r}", field="key")
    if slot.kind not in kinds:
        raise ValidationFailed(f"{key!r} was uploaded as {slot.kind.value}", field="key")
    if slot.consumed_at is not None:
        if slot.consumed_by == used_by:
            return slot
        raise ValidationFailed(f"{key!r} is already attached to another record", field="key")
    try:
        info = await store.stat(key)
    except ObjectNotFound as error:
        raise ValidationFailed(f"nothing was uploaded to {key!r} yet", field="key") from error
    if info.size > slot.declared_size:
        raise ValidationFailed(f"{key!r} is larger than the size declared for it", field="key")
    slot.uploaded_at = slot.uploaded_at or utcnow()
    slot.consumed_at = utcnow()
    slot.consumed_by = used_by
    await session.flush()
    return slot
