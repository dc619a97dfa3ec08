"""The dashboard's pure logic and its GraphQL documents against the backend's schema."""

from __future__ import annotations

from datetime import datetime

from mobile.screens.dashboard import logic


def trend(*rates: float | None) -> list[dict]:  # type: ignore[type-arg]
    return [{"period": {"label": f"2026-{i + 1:02d}"}, "closeOutRate": r, "overdue": i, "reported": 3,
             "alerts": {"warningAccuracy": None}} for i, r in enumerate(rates)]


def test_tiles_read_their_values_trends_and_status() -> None:
    tiles = {t["code"]: t for t in logic.tiles(trend(0.5, None, 0.8, 0.95))}
    close = tiles["close_out"]
    assert (close["value"], close["status"], close["change"], close["figure"]) == ("95.0%", "good", "+15.0 pts",
                                                                                   "OPEN")
    assert close["values"] == [0.5, None, 0.8, 0.95] and close["labels"][-1] == "2026-04"
    assert (tiles["overdue"]["value"], tiles["overdue"]["status"], tiles["overdue"]["change"]) == ("3", "bad", "+1")
    assert tiles["warning_accuracy"]["value"] == "—" and tiles["warning_accuracy"]["status"] == "none"
    assert tiles["sensor_online"]["figure"] is None
    assert [t["value"] for t in logic.tiles([])][:2] == ["—", "—"]
    assert logic.reading(1.0, rate=True) == "100%" and logic.reading(0.0, rate=True) == "0.0%"
    assert logic.status(logic.TILES[0], 0.75) == "watch" and logic.status(logic.TILES[0], 0.5) == "bad"


def test_trend_lines_break_where_there_is_no_data() -> None:
    assert logic.trend_segments([0.0, 0.5, None, 1.0], 300, 100, rate=True) == [[0, 0, 100, 50], [300, 100]]
    assert logic.trend_segments([2, 4], 10, 40) == [[0, 20, 10, 40]]
    assert logic.trend_segments([0, 0], 10, 40) == [[0, 20, 10, 20]]   # all zero: a flat line in the middle
    assert logic.trend_segments([], 10, 10) == [] and logic.trend_segments([None], 10, 10) == []
    assert logic.trend_segments([0.5], 10, 10, rate=True) == [[5, 5]]


def test_last_month_and_ranking_rows() -> None:
    assert logic.previous_month(datetime(2026, 1, 3)) == "2025-12"
    assert logic.previous_month(datetime(2026, 12, 4)) == "2026-11"
    rows = logic.ranking_rows({"scores": [{"unit": {"id": "t1", "name": "综采一队"}, "score": 92.456, "rank": 1,
                                           "lostOn": [{"indicator": "OVERDUE", "lost": 6.0},
                                                      {"indicator": "ON_TIME_RATE", "lost": 1.5},
                                                      {"indicator": "EXAM_PASS_RATE", "lost": 0.1}]},
                                          {"unit": {"id": "t2", "name": "x"}, "score": None, "rank": None,
                                           "lostOn": []}]})
    assert rows[0] == {"unit_id": "t1", "name": "综采一队", "rank": 1, "score": "92.5",
                       "lost": [("OVERDUE", 6.0), ("ON_TIME_RATE", 1.5)]}
    assert rows[1]["score"] == "—" and logic.ranking_rows(None) == []


def test_report_sizes_read_simply() -> None:
    from mobile.screens.reports.controller import size_text

    assert size_text(500) == "1 KB" and size_text(66 * 1024) == "66 KB" and size_text(3 * 1024 * 1024) == "3.0 MB"
