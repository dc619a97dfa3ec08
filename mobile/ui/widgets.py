"""Small shared widgets (their rules are in theme.kv)."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.properties import ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.button import Button
from kivy.uix.image import AsyncImage
from kivy.uix.scrollview import ScrollView


class MoreButton(Button):
    """'Show more' under a hazard list; shown while the list's model says there is another page."""

    model = ObjectProperty(None, rebind=True, allownone=True)


class TapImage(ButtonBehavior, AsyncImage):
    """A thumbnail that opens its full photo on tap."""

    full = StringProperty("")
    label = StringProperty("")


def open_photo(url: str, title: str = "") -> Any:
    """The photo full screen; a tap anywhere closes it."""
    from kivy.uix.popup import Popup

    image = TapImage(source=url, fit_mode="contain")
    popup = Popup(title=title, content=image, size_hint=(1, 1))
    image.bind(on_release=lambda *_: popup.dismiss())
    popup.open()
    return popup


class ThumbStrip(ScrollView):
    """A horizontal row of photo thumbnails (AsyncImage loads them on Kivy's loader threads); a tap shows the
    full photo. `full_urls` and `labels` go with `urls` by position (labels: e.g. before / after)."""

    urls = ListProperty([])
    full_urls = ListProperty([])
    labels = ListProperty([])
    tap_handler = ObjectProperty(None, allownone=True)    # called with the photo's index instead of full screen

    def on_urls(self, _widget: Any, _urls: list[str]) -> None:
        self._fill()

    def on_labels(self, _widget: Any, _labels: list[str]) -> None:
        self._fill()

    def _fill(self) -> None:
        from kivy.uix.boxlayout import BoxLayout
        from kivy.uix.label import Label

        strip = self.ids.get("strip")
        if strip is None:
            return
        strip.clear_widgets()
        for index, url in enumerate(self.urls):
            full = self.full_urls[index] if index < len(self.full_urls) else url
            label = self.labels[index] if index < len(self.labels) else ""
            cell = BoxLayout(orientation="vertical", size_hint=(None, None), size=(dp(132), dp(132)))
            image = TapImage(source=url, full=full or url, label=label, fit_mode="contain")
            image.index = index
            image.bind(on_release=self._tapped)
            cell.add_widget(image)
            if label:
                cell.add_widget(Label(text=label, size_hint_y=None, height=dp(24), bold=True,
                                      color=(1, 0.85, 0.4, 1)))
            strip.add_widget(cell)

    def _tapped(self, image: TapImage) -> None:
        if self.tap_handler is not None:
            self.tap_handler(image.index)
        else:
            open_photo(image.full, image.label)


def fill_buttons(box: Any, entries: list[dict[str, str]], on_press: Any, key: str = "action",
                 styles: dict[str, str] | None = None) -> None:
    """Replace the buttons in `box`: one big button per entry ({key: name, "text": label}); `styles`
    maps a name to a button rule of theme.kv (BigButton when not named)."""
    from kivy.factory import Factory

    box.clear_widgets()
    for entry in entries:
        button = getattr(Factory, (styles or {}).get(entry[key], "BigButton"))(text=entry["text"])
        button.action = entry[key]
        button.bind(on_release=lambda b: on_press(b.action))
        box.add_widget(button)
