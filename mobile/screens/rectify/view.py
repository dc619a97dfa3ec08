from typing import Any

from kivy.app import App

from mobile.ui.base import BaseScreen
from mobile.ui.photos import has_camera, open_file_chooser, take_photo


class RectifyScreen(BaseScreen):
    """Rectification form (layout in view.kv)."""

    has_camera = has_camera()

    def take_photo(self) -> None:
        take_photo(App.get_running_app().photo_dir, self.controller.add_photo)

    def pick_photo(self) -> Any:
        app = App.get_running_app()
        return open_file_chooser(app.tr, self.controller.add_photo, start=app.pictures_dir)

    def submit(self) -> None:
        if self.controller.submit(self.ids.note.text):
            self.ids.note.text = ""
