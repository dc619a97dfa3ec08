"""Offline is obvious and never blocks a report, against the live backend through the proxy that drops the
connection: the reachability follows real requests and the health probe, a report queued out of coverage is
sent the moment the server answers again (whatever its backoff said), and the areas and people cached at
sign-in are there while offline and refreshed when the connection returns."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from contracts.client import TransportError
from mobile.connectivity import Connectivity
from mobile.outbox.store import ItemKind, ItemState
from mobile.outbox.worker import OutboxWorker
from mobile.settings import SERVER_KEY
from mobile.ui.areas import PEOPLE_CACHE_KEY, cached_areas, cached_people, refresh_reference_data
from tests.conftest import MineFixture
from tests.mobile.conftest import FlakyServer, Phone


def wait_for(condition, timeout: float = 15.0) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError("timed out")
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_report_queued_offline_is_sent_the_moment_the_server_is_back(flaky_phone: Phone, flaky: FlakyServer,
                                                                       mine: MineFixture) -> None:
    phone = flaky_phone
    flips: list[bool] = []
    link = Connectivity(probe=phone.ctx.client.probe, on_change=flips.append, probe_every_s=0.2)
    phone.ctx.client.on_reachable = link.report
    worker = OutboxWorker(sender=phone.sender, sessions=phone.ctx.sessions, idle_s=30.0)

    def back() -> None:
        phone.outbox.wake_all()
        worker.wake()

    link.back_listeners.append(back)
    phone.login(mine, "miner")
    assert link.online is True                           # signing in reached the server
    refresh_reference_data(phone.api, phone.ctx.store)
    areas, people = cached_areas(phone.ctx.store), cached_people(phone.ctx.store)
    assert {a.id for a in areas} >= {str(a) for a in mine.areas} and len(people) >= 5

    link.start()
    worker.start()
    try:
        flaky.proxy.down = True
        flaky.proxy.reset()
        with pytest.raises(TransportError):
            phone.api.areas()
        assert link.online is False and flips[-1] is False
        # out of coverage the form still has its areas, and the report goes into the outbox at once
        assert cached_areas(phone.ctx.store) == areas
        user = phone.ctx.sessions.user
        item = phone.outbox.add(kind=ItemKind.RAISE_ALERT, owner_id=user.id, title="offline", photos=[],
                                payload={"areaId": str(mine.areas[0]), "severity": "WARNING",
                                         "title": "风门未关 door left open", "detail": ""})
        worker.wake()
        wait_for(lambda: phone.outbox.get(item.client_id).attempts >= 1)
        phone.outbox.mark_retry(item.client_id, error="TransportError: still out", delay_s=600)   # a long backoff
        flaky.proxy.down = False
        took = wait_for(lambda: phone.outbox.get(item.client_id).state is ItemState.SENT)
        assert took < 10 and link.online is True and flips[-2:] == [False, True]
        assert phone.outbox.get(item.client_id).server_id
    finally:
        worker.stop()
        link.stop()
    phone.ctx.store.delete(PEOPLE_CACHE_KEY)
    refresh_reference_data(phone.api, phone.ctx.store)       # what the app's listener runs when it is back
    assert cached_people(phone.ctx.store) == people


def test_the_probe_says_reachable_without_a_session(flaky_phone: Phone, flaky: FlakyServer) -> None:
    phone = flaky_phone
    assert phone.ctx.sessions.user is None
    assert phone.ctx.client.probe() is True                # a login screen that reaches the server: online
    flaky.proxy.down = True
    flaky.proxy.reset()
    assert phone.ctx.client.probe(timeout=2) is False


def test_a_server_that_does_not_answer_is_not_reachable(tmp_path: Path) -> None:
    from tests.mobile.conftest import make_phone

    phone = make_phone(tmp_path / "p", "http://127.0.0.1:9")
    assert phone.ctx.client.probe(timeout=1) is False


def test_no_server_address_is_neither_online_nor_offline(tmp_path: Path) -> None:
    from tests.mobile.conftest import make_phone

    phone = make_phone(tmp_path / "p", "http://127.0.0.1:9")
    phone.ctx.store.delete(SERVER_KEY)             # the first run: no address entered yet
    assert phone.ctx.settings.server_url is None
    link = Connectivity(probe=lambda: phone.ctx.client.probe(timeout=1), probe_every_s=0.05)
    with pytest.raises(TransportError):
        phone.ctx.client.probe()
    link.start()
    time.sleep(0.3)
    link.stop()
    assert link.online is None                 # the first-run screen never says "offline"
