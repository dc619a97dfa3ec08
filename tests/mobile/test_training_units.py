"""Pure parts of the training screen: countdown against the server's clock, answer merging, the disk record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobile.screens.training import logic
from mobile.screens.training.logic import Pending

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_the_countdown_follows_the_server_clock_not_the_phone() -> None:
    # the phone is 90 s fast: the server says 12:00:00 when the phone says 12:01:30
    offset = logic.clock_offset("2026-11-28T12:00:00+00:00", NOW + timedelta(seconds=90))
    assert offset == -90
    deadline = "2026-11-28T12:20:00Z"
    assert logic.seconds_left(deadline, NOW + timedelta(seconds=90), offset) == 1200
    assert logic.seconds_left(deadline, NOW + timedelta(minutes=30), offset) == 0
    assert logic.countdown(1200) == "20:00" and logic.countdown(59) == "00:59"
    assert logic.countdown(3725) == "1:02:05" and logic.countdown(-5) == "00:00"


def test_tapping_options() -> None:
    assert logic.toggle([], 2, multiple=False) == [2]
    assert logic.toggle([1], 2, multiple=False) == [2]
    assert logic.toggle([1], 2, multiple=True) == [1, 2]
    assert logic.toggle([1, 2], 2, multiple=True) == [1]


def test_a_newer_answer_on_the_phone_wins_and_is_sent_again() -> None:
    server = [{"questionId": "a", "chosen": [1], "revision": 2}, {"questionId": "b", "chosen": [0], "revision": 1}]
    pending = {"a": Pending([3], 1), "b": Pending([2], 2), "c": Pending([0], 1)}
    shown, unsent = logic.merge(server, pending)
    assert shown == {"a": Pending([1], 2), "b": Pending([2], 2), "c": Pending([0], 1)}
    assert set(unsent) == {"b", "c"}


def test_the_waiting_answers_survive_a_round_trip_through_text() -> None:
    pending = {"q1": Pending([0, 2], 3)}
    assert logic.load_pending(logic.dump_pending(pending)) == pending
    assert logic.load_pending(None) == {} and logic.load_pending("{broken") == {}
    assert logic.load_pending('{"q": {"chosen": "x"}}') == {}
