from typing import Any

from kivy.app import App

from mobile.ui.base import BaseScreen
from mobile.ui.markup import open_markup
from mobile.ui.photos import has_camera, open_file_chooser, take_photo
from mobile.ui.widgets import fill_buttons


class ReportScreen(BaseScreen):
    """Hazard report form: category and quick phrases, photos from the camera or a chooser (several at once)."""

    has_camera = has_camera()

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(categories=self._fill_categories, category_id=self._fill_categories,
                       phrases=self._fill_phrases)

    def on_pre_enter(self, *args: Any) -> None:
        self.ids.form.scroll_y = 1          # a new report starts at the top: the categories
        super().on_pre_enter(*args)

    def _fill_categories(self, *_args: Any) -> None:
        chosen = self.model.category_id
        fill_buttons(self.ids.categories, self.model.categories, self.controller.choose_category,
                     styles={chosen: "GoodButton"} if chosen else None)

    def _fill_phrases(self, *_args: Any) -> None:
        fill_buttons(self.ids.phrases, self.model.phrases, self.add_phrase, styles=dict.fromkeys(
            (p["action"] for p in self.model.phrases), "QuietButton"))

    def add_phrase(self, phrase: str) -> None:
        box = self.ids.description
        if phrase not in box.text:
            box.text = f"{box.text.rstrip()}，{phrase}" if box.text.strip() else phrase

    def take_photo(self) -> None:
        app = App.get_running_app()
        take_photo(app.photo_dir, self.controller.add_photo, burst=True)

    def pick_photo(self) -> Any:
        app = App.get_running_app()
        return open_file_chooser(app.tr, self.controller.add_photo, start=app.pictures_dir,
                                 on_photos=self.controller.add_photos)

    def mark_photo(self, index: int) -> Any:
        app = App.get_running_app()
        photos = self.model.photos
        if not 0 <= index < len(photos):
            return None
        return open_markup(app.tr, photos[index], app.photo_dir / "marked",
                           lambda path: self.controller.replace_photo(index, path))

    def submit(self) -> None:
        if self.controller.submit(area_name=self.ids.area.text, description=self.ids.description.text,
                                  location=self.ids.location.text):
            self.ids.description.text = ""
            self.ids.location.text = ""
