"""The outbox against a live backend: sent once, never duplicated, never lost (drops, outages, refusals)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from contracts.hazards import HazardState
from mobile.outbox.store import InvalidPhoto, ItemKind, ItemState, Outbox
from mobile.outbox.worker import OutboxWorker
from mobile.storage import LocalStore
from tests.conftest import MineFixture
from tests.mobile.conftest import FlakyServer, Phone, jpeg_bytes, make_phone

LATER = 10**10  # a `now` after every backoff


def queue_report(phone: Phone, mine: MineFixture, photos: list[Path], text: str) -> str:
    user = phone.ctx.sessions.user
    assert user is not None
    item = phone.outbox.add(kind=ItemKind.REPORT_HAZARD, owner_id=user.id, title=text,
                            payload={"areaId": str(mine.areas[0]), "description": text, "location": "belt 3",
                                     "suggestedGrade": "GENERAL"}, photos=photos)
    return item.client_id


def hazards_described(phone: Phone, text: str) -> list[str]:
    page = phone.api.hazards(first=100)
    return [h.id for h in page.hazards if h.description == text]


def test_report_is_sent_once_and_a_retry_returns_the_same_hazard(phone: Phone, mine: MineFixture,
                                                                       photo: Path) -> None:
    phone.login(mine, "miner")
    client_id = queue_report(phone, mine, [photo, photo], "loose roof bolt")
    assert phone.outbox.get(client_id).state is ItemState.QUEUED

    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.SENT] == 1
    sent = phone.outbox.get(client_id)
    assert sent.state is ItemState.SENT and sent.server_id
    assert all(p.object_key for p in sent.photos)
    assert not any(p.path.exists() for p in sent.photos)     # local copies freed once acknowledged

    # the app dies after the server acknowledged but before it wrote "sent": it sends again
    phone.outbox.mark_retry(client_id, error="simulated", delay_s=0)
    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.SENT] == 1
    assert phone.outbox.get(client_id).server_id == sent.server_id
    assert hazards_described(phone, "loose roof bolt") == [sent.server_id]
    hazard = phone.api.hazard(sent.server_id)
    assert hazard is not None and hazard.state is HazardState.REPORTED and len(hazard.photos) == 2


def test_a_network_that_drops_mid_upload_loses_nothing_and_duplicates_nothing(
        flaky_phone: Phone, flaky: FlakyServer, mine: MineFixture, big_photo: Path) -> None:
    phone = flaky_phone
    phone.login(mine, "miner")
    client_id = queue_report(phone, mine, [big_photo], "water on the roadway")
    flaky.proxy.cut_after = 16 * 1024
    flaky.proxy.cut_uploads = 1

    owner = phone.ctx.sessions.user.id
    assert phone.sender.drain(owner_id=owner)[ItemState.QUEUED] == 1
    assert flaky.proxy.cuts_done >= 1
    item = phone.outbox.get(client_id)
    assert item.state is ItemState.QUEUED and item.attempts == 1 and item.last_error
    assert item.photos[0].object_key is None            # the cut upload is not taken for done

    assert phone.sender.drain(owner_id=owner, now=LATER)[ItemState.SENT] == 1
    assert len(hazards_described(phone, "water on the roadway")) == 1


def test_a_server_that_is_down_at_first_gets_the_report_later(
        flaky_phone: Phone, flaky: FlakyServer, mine: MineFixture, photo: Path) -> None:
    phone = flaky_phone
    phone.login(mine, "miner")
    flaky.proxy.down = True
    client_id = queue_report(phone, mine, [photo], "broken handrail")
    owner = phone.ctx.sessions.user.id

    assert phone.sender.drain(owner_id=owner)[ItemState.QUEUED] == 1
    assert phone.sender.drain(owner_id=owner, now=LATER)[ItemState.QUEUED] == 1
    item = phone.outbox.get(client_id)
    assert item.attempts == 2 and item.next_attempt_at > time.time()

    flaky.proxy.down = False
    assert phone.sender.drain(owner_id=owner, now=LATER)[ItemState.SENT] == 1
    assert len(hazards_described(phone, "broken handrail")) == 1


def test_a_photo_the_server_refuses_marks_the_report_rejected_with_the_reason(
        phone: Phone, mine: MineFixture, tmp_path: Path) -> None:
    phone.login(mine, "miner")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 100)
    client_id = queue_report(phone, mine, [broken], "fake photo")

    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id)[ItemState.REJECTED] == 1
    item = phone.outbox.get(client_id)
    assert item.state is ItemState.REJECTED and item.reject_reason
    assert hazards_described(phone, "fake photo") == []
    # a rejected report is not sent again
    assert phone.sender.drain(owner_id=phone.ctx.sessions.user.id, now=LATER) == dict.fromkeys(ItemState, 0)


def test_the_outbox_survives_a_restart_mid_send(tmp_path: Path, live_server, mine: MineFixture,
                                                      photo: Path) -> None:
    folder = tmp_path / "phone"
    first = make_phone(folder, live_server.url)
    first.login(mine, "miner")
    client_id = queue_report(first, mine, [photo], "restart me")
    first.outbox.mark_sending(client_id)         # the app is killed while sending
    first.ctx.client.close()
    first.ctx.store.close()
    photo.unlink()                               # the gallery file is gone too

    second = make_phone(folder, live_server.url)  # same folder: the app starts again
    try:
        assert second.ctx.sessions.user is not None     # still signed in
        assert second.outbox.recover() == 1
        assert second.outbox.get(client_id).state is ItemState.QUEUED
        assert second.sender.drain(owner_id=second.ctx.sessions.user.id)[ItemState.SENT] == 1
        assert len(hazards_described(second, "restart me")) == 1
    finally:
        second.ctx.client.close()
        second.ctx.store.close()


def test_the_outbox_refuses_what_is_not_a_photo(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "db.sqlite")
    outbox = Outbox(store, tmp_path / "photos")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    for bad in (text, empty, tmp_path / "missing.jpg"):
        with pytest.raises(InvalidPhoto):
            outbox.add(kind=ItemKind.REPORT_HAZARD, title="x", payload={}, photos=[bad], owner_id="u")
    assert outbox.items() == []
    good = tmp_path / "ok.jpg"
    good.write_bytes(jpeg_bytes())
    item = outbox.add(kind=ItemKind.REPORT_HAZARD, title="x", payload={}, photos=[good], owner_id="u")
    assert item.photos[0].path.parent == tmp_path / "photos" and item.photos[0].content_type == "image/jpeg"


def test_the_background_worker_sends_what_is_queued(phone: Phone, mine: MineFixture, photo: Path) -> None:
    phone.login(mine, "miner")
    changes = threading.Event()
    worker = OutboxWorker(sender=phone.sender, sessions=phone.ctx.sessions, on_change=changes.set, idle_s=0.2)
    worker.start()
    try:
        client_id = queue_report(phone, mine, [photo], "sent by the worker")
        worker.wake()
        deadline = time.monotonic() + 30
        while phone.outbox.get(client_id).state is not ItemState.SENT and time.monotonic() < deadline:
            changes.wait(0.2)
        assert phone.outbox.get(client_id).state is ItemState.SENT and changes.is_set()
    finally:
        worker.stop()
    assert len(hazards_described(phone, "sent by the worker")) == 1
