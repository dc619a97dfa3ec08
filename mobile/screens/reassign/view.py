from mobile.ui.base import BaseScreen


class ReassignScreen(BaseScreen):
    """The reassign form (layout in view.kv)."""

    def submit(self) -> None:
        self.controller.submit(responsible_name=self.ids.responsible.text, reason=self.ids.reason.text)
