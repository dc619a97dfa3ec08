"""Getting a photo: the camera where the platform has one (Android, via plyer), a file chooser otherwise."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from kivy.utils import platform

from mobile.i18n import Translator

logger = logging.getLogger(__name__)

IMAGE_FILTERS = ["*.jpg", "*.jpeg", "*.png", "*.webp", "*.JPG", "*.JPEG", "*.PNG"]


def has_camera() -> bool:
    if platform not in ("android", "ios"):
        return False
    try:
        from plyer import camera  # noqa: F401
    except ImportError:
        return False
    return True


def take_photo(folder: Path, on_photo: Callable[[str], None]) -> bool:
    """Open the system camera; `on_photo(path)` is called on the UI thread. False when there is no camera."""
    if not has_camera():
        return False
    from kivy.clock import mainthread
    from plyer import camera

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"camera-{int(time.time() * 1000)}.jpg"

    @mainthread
    def done(path: str) -> None:
        if path and Path(path).is_file():
            on_photo(path)

    camera.take_picture(filename=str(target), on_complete=done)
    return True


def open_file_chooser(tr: Translator, on_photo: Callable[[str], None], start: str | None = None):
    """A full-screen popup with a list file chooser and big buttons; returns the popup."""
    from kivy.factory import Factory
    from kivy.metrics import dp, sp
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.filechooser import FileChooserIconView
    from kivy.uix.popup import Popup

    root = BoxLayout(orientation="vertical", spacing=dp(8))
    chooser = FileChooserIconView(path=start or str(Path.home()), filters=IMAGE_FILTERS)
    root.add_widget(chooser)
    buttons = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(8))
    cancel = Factory.QuietButton(text=tr("common.cancel"))
    choose = Factory.BigButton(text=tr("picker.choose"))
    buttons.add_widget(cancel)
    buttons.add_widget(choose)
    root.add_widget(buttons)
    popup = Popup(title=tr("picker.title"), title_size=sp(22), content=root, size_hint=(0.96, 0.96))

    def pick(*_args: object) -> None:
        if chooser.selection:
            popup.dismiss()
            on_photo(chooser.selection[0])

    choose.bind(on_release=pick)
    cancel.bind(on_release=lambda *_: popup.dismiss())
    chooser.bind(on_submit=lambda *_: pick())
    popup.chooser = chooser
    popup.open()
    return popup
