"""The dashboard's widgets: KPI tiles with a trend line drawn with Kivy graphics, ranking and overdue rows."""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.graphics import Color, Ellipse, Line
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.widget import Widget

from mobile.screens.dashboard import logic
from mobile.ui.base import BaseScreen

STATUS_COLOURS = {logic.GOOD: (0.35, 0.85, 0.5, 1), logic.WATCH: (1.0, 0.75, 0.3, 1),
                  logic.BAD: (1.0, 0.4, 0.35, 1), logic.NONE: (0.55, 0.75, 1.0, 1)}


class TrendLine(Widget):
    """A small trend line: the values (oldest first) as a line, the latest as a dot; gaps where no data."""

    values = ListProperty([])
    rate = BooleanProperty(False)
    status = StringProperty(logic.NONE)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, values=self.redraw, status=self.redraw)

    def redraw(self, *_args: Any) -> None:
        self.canvas.clear()
        pad = dp(4)
        width, height = self.width - 2 * pad, self.height - 2 * pad
        if width <= 0 or height <= 0:
            return
        colour = STATUS_COLOURS.get(self.status, STATUS_COLOURS[logic.NONE])
        with self.canvas:
            Color(0.3, 0.33, 0.4, 1)
            Line(points=[self.x + pad, self.y + pad, self.right - pad, self.y + pad], width=1)
            Color(*colour)
            last: tuple[float, float] | None = None
            for segment in logic.trend_segments(self.values, width, height, rate=self.rate):
                points = [v + (self.x + pad if i % 2 == 0 else self.y + pad) for i, v in enumerate(segment)]
                if len(points) >= 4:
                    Line(points=points, width=dp(1.6))
                last = (points[-2], points[-1])
            if last is not None and self.values and self.values[-1] is not None:
                r = dp(4)
                Ellipse(pos=(last[0] - r, last[1] - r), size=(2 * r, 2 * r))


class DashboardScreen(BaseScreen):
    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(tiles=self._tiles, ranking=self._ranking, overdue=self._overdue)

    def _tiles(self, _model: Any, tiles: list[dict[str, Any]]) -> None:
        grid = self.ids.tiles
        grid.clear_widgets()
        for tile in tiles:
            card = Factory.KpiTile()
            card.code = tile["code"]
            card.label = tile["label"]
            card.value = tile["value"]
            card.change = tile["change"]
            card.status = tile["status"]
            card.drills = tile["figure"] is not None
            card.ids.trend.rate = tile["code"] not in ("overdue", "reported")
            card.ids.trend.status = tile["status"]
            card.ids.trend.values = tile["values"]
            card.bind(on_release=lambda w: self.controller.open_tile(w.code))
            grid.add_widget(card)

    def _ranking(self, _model: Any, rows: list[dict[str, Any]]) -> None:
        self._rows(self.ids.ranking, rows, "dashboard.no_ranking", self.controller.open_team, alert=False)

    def _overdue(self, _model: Any, rows: list[dict[str, Any]]) -> None:
        self._rows(self.ids.overdue, rows, "dashboard.no_overdue", self.controller.open_area, alert=True)

    def _rows(self, box: Any, rows: list[dict[str, Any]], empty: str, open_row: Any, *, alert: bool) -> None:
        """One DashRow a row (line1, line2); a tap opens the hazards behind it."""
        box.clear_widgets()
        if not rows:
            box.add_widget(Factory.Para(text=self.controller.t(empty)))
        for row in rows:
            card = Factory.DashRow()
            card.alert = alert
            card.line1, card.line2 = row["line1"], row["line2"]
            card.bind(on_release=lambda _w, r=row: open_row(r["unit_id"], r["name"]))
            box.add_widget(card)
