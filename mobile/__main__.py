"""`python -m mobile`: run the field app (desktop or Android entry point)."""

from __future__ import annotations

import os
import time

os.environ.setdefault("MINESAFE_T0", str(time.time()))
os.environ.setdefault("KIVY_NO_ARGS", "1")


def main() -> None:
    from mobile import kivy_setup

    kivy_setup.configure()       # before kivy.app: no CRITICAL lines or tracebacks for unused providers
    size = os.environ.get("MINESAFE_WINDOW")
    if size:
        from kivy.config import Config

        width, _, height = size.partition("x")
        Config.set("graphics", "width", width)
        Config.set("graphics", "height", height)
    from mobile.app import MineSafeApp

    MineSafeApp().run()


if __name__ == "__main__":
    main()
