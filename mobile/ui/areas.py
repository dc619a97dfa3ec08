"""The mine's areas, kept on the device so that forms (report, manual alert) work out of coverage."""

from __future__ import annotations

from mobile.api.models import Area
from mobile.storage import LocalStore

AREAS_CACHE_KEY = "cache.areas"


def cached_areas(store: LocalStore) -> list[Area]:
    return [Area(id=a["id"], name=a["name"]) for a in store.get(AREAS_CACHE_KEY, [])]


def remember_areas(store: LocalStore, areas: list[Area]) -> None:
    store.set(AREAS_CACHE_KEY, [{"id": a.id, "name": a.name} for a in areas])
