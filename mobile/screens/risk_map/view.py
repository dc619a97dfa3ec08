from typing import Any

from kivy.factory import Factory
from kivy.graphics import Color, Line, RoundedRectangle
from kivy.metrics import dp
from kivy.properties import ListProperty, ObjectProperty
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from mobile.screens.risk_map.logic import COLOURS, TEXT_ON
from mobile.ui.base import BaseScreen

BOX_W, BOX_H = 120, 64


class RiskMapPicture(Widget):
    """The mine's areas as coloured boxes at their map positions; a tap selects the area under it."""

    boxes = ListProperty([])
    selected = ObjectProperty("")
    pick_handler = ObjectProperty(None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(size=self.redraw, pos=self.redraw, boxes=self.redraw, selected=self.redraw)

    def _rect(self, box: Any) -> tuple[float, float, float, float]:
        w, h = dp(BOX_W), dp(BOX_H)
        return self.x + box.x * self.width - w / 2, self.y + box.y * self.height - h / 2, w, h

    def redraw(self, *_args: Any) -> None:
        self.canvas.clear()
        self.clear_widgets()
        with self.canvas:
            Color(0.12, 0.13, 0.16, 1)
            RoundedRectangle(pos=self.pos, size=self.size, radius=[dp(8)])
        for box in self.boxes:
            x, y, w, h = self._rect(box)
            with self.canvas:
                Color(*COLOURS.get(box.level, COLOURS[None]))
                RoundedRectangle(pos=(x, y), size=(w, h), radius=[dp(6)])
                if box.area_id == self.selected:
                    Color(1, 1, 1, 1)
                    Line(rounded_rectangle=(x - dp(3), y - dp(3), w + dp(6), h + dp(6), dp(8)), width=dp(2.5))
            text = box.label + (" ▲" * min(box.raised, 1))
            label = Label(text=text, pos=(x, y), size=(w, h), font_size="14sp", bold=True, halign="center",
                          valign="middle", color=TEXT_ON.get(box.level, (1, 1, 1, 1)))
            label.text_size = (w - dp(6), h)
            self.add_widget(label)

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        for box in reversed(self.boxes):
            x, y, w, h = self._rect(box)
            if x <= touch.x <= x + w and y <= touch.y <= y + h:
                if self.pick_handler:
                    self.pick_handler(box.area_id)
                return True
        return True


Factory.register("RiskMapPicture", cls=RiskMapPicture)


class RiskMapScreen(BaseScreen):
    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(points=lambda _m, points: self.fill(points))

    def fill(self, points: list[dict[str, Any]]) -> None:
        box = self.ids.points
        box.clear_widgets()
        for entry in points:
            row = Factory.RiskPointRow()
            row.item_id, row.title, row.line2 = entry["item_id"], entry["title"], entry["line2"]
            row.bind(on_release=lambda w: self.controller.open_point(w.item_id))
            box.add_widget(row)
