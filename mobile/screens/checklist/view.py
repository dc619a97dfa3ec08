from typing import Any

from kivy.app import App
from kivy.factory import Factory

from mobile.ui.base import BaseScreen
from mobile.ui.photos import has_camera, open_file_chooser, take_photo


class ChecklistScreen(BaseScreen):
    """My checks, or the open check's items with pass / fail and a photo on each fail."""

    def on_model(self, _screen: Any, model: Any) -> None:
        if model is not None:
            model.bind(checks=lambda _m, checks: self.fill_checks(checks),
                       rows=lambda _m, rows: self.fill_rows(rows))

    def fill_checks(self, checks: list[dict[str, Any]]) -> None:
        box = self.ids.checks
        box.clear_widgets()
        for entry in checks:
            row = Factory.RiskPointRow()
            row.item_id, row.title, row.line2 = entry["item_id"], entry["title"], entry["line2"]
            row.bind(on_release=lambda w: self.controller.open(w.item_id))
            box.add_widget(row)

    def fill_rows(self, rows: list[dict[str, Any]]) -> None:
        box = self.ids.check_items
        box.clear_widgets()
        for entry in rows:
            row = Factory.CheckItemRow()
            row.item_id, row.text, row.point, row.result = entry["item_id"], entry["text"], entry["point"], \
                entry["result"]
            row.photo = entry["photo"]
            row.screen = self
            box.add_widget(row)

    def photo_for(self, item_id: str) -> Any:
        app = App.get_running_app()
        if has_camera():
            take_photo(app.photo_dir, lambda path: self.controller.add_photo(item_id, path))
            return None
        return open_file_chooser(app.tr, lambda path: self.controller.add_photo(item_id, path),
                                 start=app.pictures_dir)
