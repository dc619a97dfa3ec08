"""A simple markup on a photo: circles and arrows drawn with a finger, burnt into a copy of the JPEG."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARK_COLOUR = (255, 40, 40)


@dataclass(frozen=True, slots=True)
class Mark:
    """A circle (centre → a point on its edge) or an arrow (tail → head), in 0–1 image coordinates."""

    kind: str            # "circle" | "arrow"
    x0: float
    y0: float
    x1: float
    y1: float


def draw_marks(source: Path, marks: Sequence[Mark], folder: Path) -> Path:
    """A new JPEG with the marks drawn on (the original is left as it is)."""
    from PIL import Image, ImageDraw, ImageOps

    with Image.open(source) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    draw = ImageDraw.Draw(image)
    w, h = image.size
    width = max(4, round(min(w, h) / 90))
    for mark in marks:
        x0, y0, x1, y1 = mark.x0 * w, mark.y0 * h, mark.x1 * w, mark.y1 * h
        if mark.kind == "circle":
            r = max(width * 3, math.hypot(x1 - x0, y1 - y0))
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), outline=MARK_COLOUR, width=width)
        elif mark.kind == "arrow":
            draw.line((x0, y0, x1, y1), fill=MARK_COLOUR, width=width)
            angle = math.atan2(y1 - y0, x1 - x0)
            head = width * 6
            for side in (-0.45, 0.45):
                draw.line((x1, y1, x1 - head * math.cos(angle + side), y1 - head * math.sin(angle + side)),
                          fill=MARK_COLOUR, width=width)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"marked-{int(time.time() * 1000)}-{source.stem[:40]}.jpg"
    image.save(target, "JPEG", quality=90)
    return target


def open_markup(tr: Any, path: str, folder: Path, on_done: Callable[[str], None]) -> Any:
    """A full-screen editor: pick circle or arrow, drag on the photo, save (a marked copy) or cancel."""
    from kivy.factory import Factory
    from kivy.graphics import Color, Ellipse, Line
    from kivy.metrics import dp, sp
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.image import Image as KivyImage
    from kivy.uix.popup import Popup
    from kivy.uix.togglebutton import ToggleButton

    marks: list[Mark] = []
    state = {"kind": "circle", "start": None}
    image = KivyImage(source=path, fit_mode="contain")

    def to_image(x: float, y: float) -> tuple[float, float] | None:
        iw, ih = image.norm_image_size
        left, bottom = image.center_x - iw / 2, image.center_y - ih / 2
        if not iw or not ih or not (left <= x <= left + iw and bottom <= y <= bottom + ih):
            return None
        return (x - left) / iw, 1 - (y - bottom) / ih

    def redraw(*_args: Any) -> None:
        image.canvas.after.clear()
        iw, ih = image.norm_image_size
        left, bottom = image.center_x - iw / 2, image.center_y - ih / 2
        with image.canvas.after:
            Color(1, 0.16, 0.16, 1)
            for mark in marks:
                x0, y0 = left + mark.x0 * iw, bottom + (1 - mark.y0) * ih
                x1, y1 = left + mark.x1 * iw, bottom + (1 - mark.y1) * ih
                if mark.kind == "circle":
                    r = max(dp(12), math.hypot(x1 - x0, y1 - y0))
                    Line(circle=(x0, y0, r), width=dp(2.5))
                else:
                    Line(points=[x0, y0, x1, y1], width=dp(2.5))
                    Ellipse(pos=(x1 - dp(7), y1 - dp(7)), size=(dp(14), dp(14)))

    def down(_widget: Any, touch: Any) -> bool:
        point = to_image(*touch.pos)
        if point is None:
            return False
        state["start"] = point
        return True

    def up(_widget: Any, touch: Any) -> bool:
        start, state["start"] = state["start"], None
        end = to_image(*touch.pos)
        if start is None or end is None:
            return False
        marks.append(Mark(state["kind"], start[0], start[1], end[0], end[1]))
        redraw()
        return True

    image.bind(on_touch_down=down, on_touch_up=up, size=redraw, pos=redraw)
    tools = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(8))
    for kind in ("circle", "arrow"):
        button = ToggleButton(text=tr(f"markup.{kind}"), group="markup", font_size=sp(22),
                              state="down" if kind == "circle" else "normal", allow_no_selection=False)
        button.bind(on_release=lambda b, k=kind: state.update(kind=k))
        tools.add_widget(button)
    undo = Factory.QuietButton(text=tr("markup.undo"))
    undo.bind(on_release=lambda *_: (marks.pop() if marks else None, redraw()))
    tools.add_widget(undo)
    buttons = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(8))
    cancel = Factory.QuietButton(text=tr("common.cancel"))
    save = Factory.GoodButton(text=tr("markup.save"))
    buttons.add_widget(cancel)
    buttons.add_widget(save)
    root = BoxLayout(orientation="vertical", spacing=dp(8))
    root.add_widget(tools)
    root.add_widget(image)
    root.add_widget(buttons)
    popup = Popup(title=tr("markup.title"), title_size=sp(22), content=root, size_hint=(1, 1))

    def done(*_args: Any) -> None:
        popup.dismiss()
        if marks:
            on_done(str(draw_marks(Path(path), marks, folder)))

    save.bind(on_release=done)
    cancel.bind(on_release=lambda *_: popup.dismiss())
    popup.marks = marks
    popup.add_mark = lambda mark: (marks.append(mark), redraw())
    popup.save = done
    popup.open()
    return popup
