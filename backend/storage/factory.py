"""Choose the object store from settings."""

from __future__ import annotations

from backend.config import Settings
from backend.storage.base import ObjectStore
from backend.storage.folder import FolderObjectStore


def create_object_store(settings: Settings) -> ObjectStore:
    if settings.store == "s3":
        from backend.storage.s3 import S3ObjectStore

        return S3ObjectStore.from_settings(settings)
    return FolderObjectStore(settings.store_folder, settings.public_url)
