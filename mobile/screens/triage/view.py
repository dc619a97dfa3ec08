from typing import Any

from mobile.ui.base import BaseScreen


class TriageScreen(BaseScreen):
    """The queue, or the form for one hazard (whichever the model says)."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(hazard_id=self._switch)
            self._switch(model, model.hazard_id)

    def _switch(self, _model: Any, hazard_id: str) -> None:
        queue, form = self.ids.queue, self.ids.form
        showing_form = bool(hazard_id)
        queue.size_hint_y, queue.opacity, queue.disabled = (None, 0, True) if showing_form else (1, 1, False)
        queue.height = 0
        form.size_hint_y, form.opacity, form.disabled = (1, 1, False) if showing_form else (None, 0, True)
        form.height = 0
        for name in ("measures", "plan", "funds", "contingency", "reason"):
            self.ids[name].text = ""

    def submit(self) -> None:
        self.controller.submit(responsible_name=self.ids.responsible.text, days_text=self.ids.days.text,
                               measures=self.ids.measures.text, plan=self.ids.plan.text,
                               funds=self.ids.funds.text, contingency=self.ids.contingency.text)
