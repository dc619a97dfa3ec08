"""Units of reporting and the officers' evidence: categories, markup, My reports rows and notices, the plan
in words, photo labels (no server, no window)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from contracts.hazards import HazardGrade, HazardState
from contracts.roles import Role
from mobile.api.models import Category, Hazard, HazardEvent, PersonRef, Photo, QueueCounts, User
from mobile.i18n import Translator
from mobile.screens.hazard.controller import photo_strip, plan_lines
from mobile.screens.myreports.controller import moved_notice, report_row
from mobile.ui.markup import Mark, draw_marks

EN = Translator("en")
ME = User(id="me", username="me", display_name="me", roles=frozenset({Role.MINER}))


def hazard(**extra: object) -> Hazard:
    base = Hazard(id="h", state=HazardState.ASSIGNED, grade=HazardGrade.GENERAL, suggested_grade=None, level=None,
                  description="roof", location="", area=None, reporter=PersonRef(id="me", display_name="me"),
                  responsible=PersonRef(id="t", display_name="team leader"), deadline=datetime.now(UTC),
                  is_overdue=False, photos=(), rectification_photos=(), created_at=None)
    return replace(base, **extra)  # type: ignore[arg-type]


def test_categories_parse_and_cache_without_losing_anything() -> None:
    data = {"id": "c1", "code": "roof", "name": "顶板", "phrases": ["顶板掉渣", ""], "suggestedGrade": "MAJOR"}
    category = Category.from_api(data)
    assert category.phrases == ("顶板掉渣",) and category.suggested_grade is HazardGrade.MAJOR
    assert Category.from_api(category.to_cache()) == category
    assert Category.from_api({"id": "c2", "suggestedGrade": "BOGUS"}).suggested_grade is None
    assert QueueCounts.from_api({"toTriage": 2, "overdue": None}) == QueueCounts(to_triage=2)


def test_a_marked_copy_has_the_marks_and_the_original_is_untouched(tmp_path: Path) -> None:
    source = tmp_path / "p.jpg"
    Image.new("RGB", (400, 300), (20, 20, 20)).save(source)
    before = source.read_bytes()
    marked = draw_marks(source, [Mark("circle", 0.5, 0.5, 0.6, 0.5), Mark("arrow", 0.1, 0.9, 0.3, 0.7)],
                        tmp_path / "marked")
    assert source.read_bytes() == before and marked.parent == tmp_path / "marked"
    with Image.open(marked) as image:
        assert image.size == (400, 300)
        red = sum(1 for x in range(400) for y in range(300)
                  if (lambda p: p[0] > 180 and p[1] < 90)(image.getpixel((x, y))))
    assert red > 300                                   # the circle and the arrow are drawn in red


def test_my_reports_rows_and_the_notice_when_one_moves() -> None:
    row = report_row(replace(hazard(), rectification_photos=(Photo("k", "u", "t"),)), EN, None)
    assert row["line2"] == "Assigned · With: team leader" and "closing photo ✓" in row["line3"]
    assert report_row(hazard(description="", category="Roof"), EN, None)["line1"] == "Roof"
    moved = moved_notice(HazardEvent(kind="TRIAGED", hazard=hazard()), ME, EN)
    assert moved == "Your report moved: roof — Assigned"
    assert moved_notice(HazardEvent(kind="REPORTED", hazard=hazard()), ME, EN) == ""       # its own echo
    other = hazard(reporter=PersonRef(id="x", display_name="x"))
    assert moved_notice(HazardEvent(kind="TRIAGED", hazard=other), ME, EN) == ""
    assert moved_notice(HazardEvent(kind="TRIAGED", hazard=None), ME, EN) == ""


def test_the_plan_and_measures_in_words_and_photos_labelled_before_after() -> None:
    major = hazard(control_measures="more air", treatment_plan={
        "measures": "drain", "responsible_people": ["Zhao", "Li"], "funds": "80000", "deadline": "not a date",
        "contingency_plan": "withdraw", "unknown_key": "x"})
    lines = plan_lines(major, EN)
    assert lines == ["Control measures: more air", "Treatment measures: drain", "Responsible people: Zhao、Li",
                     "Funds: 80000", "Plan deadline: not a date", "Contingency plan: withdraw"]
    assert not any("_" in line for line in lines)             # no keys shown
    both = hazard(photos=(Photo("a", "full-a", "thumb-a"),), rectification_photos=(Photo("b", "full-b", None),))
    assert photo_strip(both, EN) == (["thumb-a", "full-b"], ["full-a", "full-b"], ["Before", "After"])


def test_the_camera_reopens_after_each_photo_until_cancelled(tmp_path: Path, monkeypatch: object) -> None:
    import sys
    import types

    import kivy.clock

    from mobile.ui import photos

    shots = iter([True, True, False])               # two photos, then the person cancels

    class FakeCamera:
        opened = 0

        def take_picture(self, *, filename: str, on_complete: object) -> None:
            FakeCamera.opened += 1
            if next(shots):
                Path(filename).write_bytes(b"jpeg")
                on_complete(filename)              # type: ignore[operator]
            else:
                on_complete("")                    # type: ignore[operator]

    fake = types.ModuleType("plyer")
    fake.camera = FakeCamera()                     # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "plyer", fake)           # type: ignore[attr-defined]
    monkeypatch.setattr(photos, "has_camera", lambda: True)   # type: ignore[attr-defined]
    monkeypatch.setattr(kivy.clock, "mainthread", lambda f: f)  # type: ignore[attr-defined]
    got: list[str] = []
    assert photos.take_photo(tmp_path, got.append, burst=True)
    assert len(got) == 2 and FakeCamera.opened == 3 and all(Path(p).is_file() for p in got)
