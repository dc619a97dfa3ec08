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


MAX_BURST = 9       # the backend takes at most 9 photos a report


def take_photo(folder: Path, on_photo: Callable[[str], None], *, burst: bool = False, taken: int = 0) -> bool:
    """Open the system camera; `on_photo(path)` is called on the UI thread. With `burst` the camera opens
    again after each photo until the person cancels it (several photos in one go, no extra taps between
    them). False when there is no camera."""
    if not has_camera():
        return False
    from kivy.clock import mainthread
    from plyer import camera

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"camera-{int(time.time() * 1000)}-{taken}.jpg"

    @mainthread
    def done(path: str) -> None:
        if path and Path(path).is_file():
            on_photo(path)
            if burst and taken + 1 < MAX_BURST:
                take_photo(folder, on_photo, burst=True, taken=taken + 1)

    camera.take_picture(filename=str(target), on_complete=done)
    return True


def open_file_chooser(tr: Translator, on_photo: Callable[[str], None], start: str | None = None,
                      on_photos: Callable[[list[str]], None] | None = None, demo: str | None = None):
    """A full-screen popup with a file chooser and big buttons (and one to the demo photos: `demo`, by default
    the running app's `demo_photos_dir`); returns the popup. With `on_photos`, several photos may be picked in
    one go (tap each, then choose)."""
    from kivy.factory import Factory
    from kivy.metrics import dp, sp
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.filechooser import FileChooserIconView
    from kivy.uix.popup import Popup

    root = BoxLayout(orientation="vertical", spacing=dp(8))
    chooser = FileChooserIconView(path=start or str(Path.home()), filters=IMAGE_FILTERS,
                                  multiselect=on_photos is not None)
    root.add_widget(chooser)
    buttons = BoxLayout(size_hint_y=None, height=dp(72), spacing=dp(8))
    cancel = Factory.QuietButton(text=tr("common.cancel"))
    choose = Factory.BigButton(text=tr("picker.choose"))
    if demo is None:
        from kivy.app import App

        demo = getattr(App.get_running_app(), "demo_photos_dir", None)
    if demo:
        demo_button = Factory.QuietButton(text=tr("photos.demo"))
        demo_button.bind(on_release=lambda *_: setattr(chooser, "path", demo))
        buttons.add_widget(demo_button)
        popup_demo = demo
    else:
        popup_demo = None
    buttons.add_widget(cancel)
    buttons.add_widget(choose)
    root.add_widget(buttons)
    popup = Popup(title=tr("picker.title"), title_size=sp(22), content=root, size_hint=(0.96, 0.96))

    def pick(*_args: object) -> None:
        if chooser.selection:
            popup.dismiss()
            if on_photos is not None:
                on_photos(list(chooser.selection))
            else:
                on_photo(chooser.selection[0])

    choose.bind(on_release=pick)
    cancel.bind(on_release=lambda *_: popup.dismiss())
    if on_photos is None:
        chooser.bind(on_submit=lambda *_: pick())
    popup.chooser = chooser
    popup.demo = popup_demo
    popup.open()
    return popup
