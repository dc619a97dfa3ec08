"""A sensor curve drawn with Kivy graphics only: the values as a Line, the min/max band of downsampled
points, the alarm threshold as a red line (and the power-cut threshold), value and time labels on the axes.

The geometry is computed by the pure `mobile.screens.alerts.logic.chart_geometry`.
"""

from __future__ import annotations

from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle
from kivy.metrics import dp, sp
from kivy.properties import ListProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from mobile.screens.alerts.logic import chart_geometry, number

AXIS = (0.55, 0.6, 0.68, 1)
GRID = (0.25, 0.28, 0.33, 1)
CURVE = (0.35, 0.85, 1.0, 1)
BAND = (0.35, 0.55, 0.7, 1)
THRESHOLD = (1.0, 0.3, 0.25, 1)
CUT = (0.95, 0.35, 0.85, 1)
TEXT = (0.85, 0.9, 0.96, 1)


class SensorChart(Widget):
    """Set `points` (SensorPoint list), `threshold` (float or None), `unit` and `threshold_label`."""

    points = ListProperty([])
    threshold = ObjectProperty(None, allownone=True)
    unit = StringProperty("")
    threshold_label = StringProperty("")
    cut = ObjectProperty(None, allownone=True)
    cut_label = StringProperty("")
    empty_label = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, points=self.redraw, threshold=self.redraw,
                  unit=self.redraw, threshold_label=self.redraw, empty_label=self.redraw, cut=self.redraw,
                  cut_label=self.redraw)

    @staticmethod
    def _text(text: str, size: float, colour: tuple[float, ...] = TEXT, bold: bool = False) -> Any:
        label = CoreLabel(text=text, font_size=size, color=colour, bold=bold)
        label.refresh()
        return label.texture

    def _put(self, texture: Any, x: float, y: float) -> None:
        Rectangle(texture=texture, size=texture.size, pos=(round(x), round(y)))

    def redraw(self, *_args: Any) -> None:
        self.canvas.clear()
        left, bottom, right, top = dp(70), dp(34), dp(12), dp(14)
        width, height = self.width - left - right, self.height - bottom - top
        ox, oy = self.x + left, self.y + bottom
        with self.canvas:
            Color(0.09, 0.1, 0.13, 1)
            Rectangle(pos=self.pos, size=self.size)
            if width <= 10 or height <= 10:
                return
            if not self.points:
                texture = self._text(self.empty_label, sp(18))
                Color(1, 1, 1, 1)
                self._put(texture, self.center_x - texture.width / 2, self.center_y - texture.height / 2)
                return
            g = chart_geometry(self.points, self.threshold, width, height, cut=self.cut)
            # grid and value labels: bottom, middle, top of the range
            for fraction in (0.0, 0.5, 1.0):
                y = oy + height * fraction
                Color(*GRID)
                Line(points=[ox, y, ox + width, y], width=1)
                value = g.lo + (g.hi - g.lo) * fraction
                texture = self._text(number(round(value, 3)), sp(15))
                Color(1, 1, 1, 1)
                self._put(texture, ox - texture.width - dp(6), y - texture.height / 2)
            unit = self._text(self.unit, sp(14), AXIS)
            Color(1, 1, 1, 1)
            self._put(unit, ox - unit.width - dp(6), oy + height - unit.height * 1.6)
            # axes
            Color(*AXIS)
            Line(points=[ox, oy + height, ox, oy, ox + width, oy], width=dp(1.2))
            # time labels: start and end
            if g.start is not None and g.end is not None:
                fmt = "%H:%M" if (g.end - g.start).total_seconds() < 86400 else "%m-%d %H:%M"
                start = self._text(g.start.astimezone().strftime(fmt), sp(15))
                end = self._text(g.end.astimezone().strftime(fmt), sp(15))
                Color(1, 1, 1, 1)
                self._put(start, ox, oy - start.height - dp(4))
                self._put(end, ox + width - end.width, oy - end.height - dp(4))
            # the min/max band of downsampled points, then the curve
            if g.band_low:
                Color(*BAND)
                Line(points=self._shift(g.band_low, ox, oy), width=1)
                Line(points=self._shift(g.band_high, ox, oy), width=1)
            Color(*CURVE)
            if len(g.line) >= 4:
                Line(points=self._shift(g.line, ox, oy), width=dp(2))
            else:
                Line(circle=(ox + g.line[0], oy + g.line[1], dp(4)), width=dp(2))
            # the alarm threshold, the power-cut threshold
            self._limit(g.threshold_y, self.threshold_label, THRESHOLD, ox, oy, width, height, dp(1.5))
            self._limit(g.cut_y, self.cut_label, CUT, ox, oy, width, height, dp(1.2))

    def _limit(self, at: float | None, label: str, colour: tuple[float, ...], ox: float, oy: float, width: float,
               height: float, thickness: float) -> None:
        if at is None:
            return
        y = oy + at
        Color(*colour)
        Line(points=[ox, y, ox + width, y], width=thickness)
        if label:
            texture = self._text(label, sp(15), colour, bold=True)
            Color(1, 1, 1, 1)
            above = y + dp(3) if y + dp(3) + texture.height < oy + height else y - texture.height - dp(3)
            self._put(texture, ox + dp(6), above)

    @staticmethod
    def _shift(coords: list[float], ox: float, oy: float) -> list[float]:
        return [c + (ox if i % 2 == 0 else oy) for i, c in enumerate(coords)]
