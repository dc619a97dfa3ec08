from typing import Any

from kivy.factory import Factory

from mobile.ui.base import BaseScreen


class RiskPointScreen(BaseScreen):
    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(sections=lambda _m, sections: self.fill(sections))

    def fill(self, sections: list[dict[str, Any]]) -> None:
        box = self.ids.sections
        box.clear_widgets()
        for entry in sections:
            widget = Factory.RiskSection()
            widget.title, widget.body = entry["title"], entry["text"]
            box.add_widget(widget)
