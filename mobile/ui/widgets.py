"""Small shared widgets (their rules are in theme.kv)."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.properties import ListProperty, ObjectProperty
from kivy.uix.button import Button
from kivy.uix.image import AsyncImage
from kivy.uix.scrollview import ScrollView


class MoreButton(Button):
    """'Show more' under a hazard list; shown while the list's model says there is another page."""

    model = ObjectProperty(None, rebind=True, allownone=True)


class ThumbStrip(ScrollView):
    """A horizontal row of photo thumbnails; AsyncImage loads each URL on Kivy's loader threads."""

    urls = ListProperty([])

    def on_urls(self, _widget: Any, urls: list[str]) -> None:
        strip = self.ids.get("strip")
        if strip is None:
            return
        strip.clear_widgets()
        for url in urls:
            strip.add_widget(AsyncImage(source=url, size_hint=(None, None), size=(dp(132), dp(132)),
                                        fit_mode="contain"))


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
