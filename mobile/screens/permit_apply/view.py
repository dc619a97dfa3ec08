from mobile.ui.base import BaseScreen


class PermitApplyScreen(BaseScreen):
    """The application form; the controller checks and sends it."""

    def submit(self) -> None:
        ids = self.ids
        self.controller.submit(area=ids.area.text, leader=ids.leader.text, guardian=ids.guardian.text,
                               hours=ids.hours.text, description=ids.description.text)
