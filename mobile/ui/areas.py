"""The mine's areas and people, kept on the device so that forms (report, manual alert, pickers) work out of
coverage: read at sign-in and again whenever the connection comes back (`refresh_reference_data`)."""

from __future__ import annotations

from mobile.api.models import Area, PersonRef
from mobile.api.service import MineSafeApi
from mobile.storage import LocalStore

AREAS_CACHE_KEY = "cache.areas"


def cached_areas(store: LocalStore) -> list[Area]:
    return [Area(id=a["id"], name=a["name"]) for a in store.get(AREAS_CACHE_KEY, [])]


def remember_areas(store: LocalStore, areas: list[Area]) -> None:
    store.set(AREAS_CACHE_KEY, [{"id": a.id, "name": a.name} for a in areas])


PEOPLE_CACHE_KEY = "cache.people"


def cached_people(store: LocalStore) -> list[PersonRef]:
    """The mine's people as last read from the server (pickers work out of coverage)."""
    return [PersonRef(id=p["id"], display_name=p["displayName"]) for p in store.get(PEOPLE_CACHE_KEY, [])]


def remember_people(store: LocalStore, people: list[PersonRef]) -> None:
    store.set(PEOPLE_CACHE_KEY, [{"id": p.id, "displayName": p.display_name} for p in people])


def refresh_reference_data(api: MineSafeApi, store: LocalStore) -> tuple[int, int]:
    """Read the areas and the people of my mine and keep them on the device (blocking: run it off the UI
    thread, at sign-in and whenever the connection comes back). Returns how many of each were cached."""
    areas = api.areas()
    remember_areas(store, areas)
    people = api.people()
    remember_people(store, people)
    return len(areas), len(people)
