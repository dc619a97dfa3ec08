from typing import Any

from kivy.app import App

from mobile.ui.base import BaseScreen
from mobile.ui.photos import has_camera, open_file_chooser, take_photo


class ReportScreen(BaseScreen):
    """Hazard report form; photos from the camera or a file chooser."""

    has_camera = has_camera()

    def take_photo(self) -> None:
        app = App.get_running_app()
        take_photo(app.photo_dir, self.controller.add_photo)

    def pick_photo(self) -> Any:
        app = App.get_running_app()
        return open_file_chooser(app.tr, self.controller.add_photo, start=app.pictures_dir)

    def submit(self) -> None:
        if self.controller.submit(area_name=self.ids.area.text, description=self.ids.description.text,
                                  location=self.ids.location.text):
            self.ids.description.text = ""
            self.ids.location.text = ""
