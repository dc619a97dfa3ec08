"""HTTP endpoints of the folder store: PUT to a signed upload URL, GET a signed download URL."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from backend.platform import Platform
from backend.storage.base import ObjectNotFound
from backend.storage.folder import FolderObjectStore, UploadClaimLost
from backend.storage.service import (
    DOWNLOAD_PURPOSE,
    UploadRefused,
    claim_upload_slot,
    read_token,
    slot_for_upload_token,
)

logger = logging.getLogger(__name__)
router = APIRouter()


def _refusal(error: UploadRefused) -> JSONResponse:
    return JSONResponse({"error": str(error)}, status_code=error.status)


@router.put("/uploads/{token}")
async def put_upload(token: str, request: Request) -> JSONResponse:
    platform: Platform = request.app.state.platform
    store = platform.store
    if not isinstance(store, FolderObjectStore):
        return JSONResponse({"error": "uploads go straight to the object store"}, status_code=404)
    async with platform.session_factory() as session:
        try:
            slot = await slot_for_upload_token(session=session, settings=platform.settings, token=token)
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
            if content_type != slot.content_type:
                raise UploadRefused(f"Content-Type must be {slot.content_type}", 415)
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > slot.declared_size):
                raise UploadRefused(f"body is larger than the declared {slot.declared_size} bytes", 413)
            slot_id, key, declared_size = slot.id, slot.key, slot.declared_size
            await session.rollback()  # no row lock is held while the bytes stream in

            async def claim() -> bool:
                won = await claim_upload_slot(session=session, slot_id=slot_id)
                await session.commit()
                return won

            try:
                size = await store.write_stream(key, request.stream(), content_type=content_type,
                                                max_bytes=declared_size, claim=claim)
            except ValueError as error:
                raise UploadRefused(str(error), 413) from error
            except UploadClaimLost as error:
                raise UploadRefused("this upload link was already used; request a new one", 410) from error
        except UploadRefused as error:
            return _refusal(error)
    logger.info("stored %s (%s bytes)", key, size)
    return JSONResponse({"key": key, "size": size})


@router.get("/objects/{token}", response_model=None)
async def get_object(token: str, request: Request) -> StreamingResponse | JSONResponse:
    platform: Platform = request.app.state.platform
    try:
        claims = read_token(platform.settings, token, DOWNLOAD_PURPOSE)
    except UploadRefused as error:
        return _refusal(error)
    key = claims["key"]
    try:
        info = await platform.store.stat(key)
    except (ObjectNotFound, ValueError):
        return JSONResponse({"error": "no such object"}, status_code=404)
    return StreamingResponse(platform.store.stream(key), media_type=info.content_type or "application/octet-stream",
                             headers={"Content-Length": str(info.size), "Cache-Control": "private, max-age=3600"})
