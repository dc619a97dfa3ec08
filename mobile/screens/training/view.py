"""The training screen: one view whose layout follows model.mode (see view.kv)."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock

from mobile.ui.base import BaseScreen


class TrainingScreen(BaseScreen):
    """Ticks the exam countdown once a second while shown (the controller does the arithmetic)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ticker: Any = None

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(mode=self._show)
            Clock.schedule_once(lambda _dt: self._show(model, model.mode))

    def _show(self, _model: Any, mode: str) -> None:
        """The inner screen manager shows the part of the screen that the model's mode names."""
        modes = self.ids.get("modes")
        if modes is not None and modes.has_screen(mode):
            modes.current = mode

    def on_enter(self, *args: Any) -> None:
        self._ticker = Clock.schedule_interval(lambda _dt: self.controller and self.controller.tick(), 1.0)

    def on_leave(self, *args: Any) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        super().on_leave(*args)

    def assign(self) -> None:
        self.controller.assign(person_name=self.ids.person.text, course_title=self.ids.course.text,
                               days_text=self.ids.days.text)
