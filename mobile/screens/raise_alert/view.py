from mobile.ui.base import BaseScreen


class RaiseAlertScreen(BaseScreen):
    """The manual-alert form (layout in view.kv)."""

    def submit(self) -> None:
        self.controller.submit(area_name=self.ids.area.text, title=self.ids.title.text, detail=self.ids.detail.text)
