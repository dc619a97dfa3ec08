"""Telling a person, whatever the app is doing: a system notification, vibration and an alarm tone.

Android: plyer's notification and vibrator (the VIBRATE permission is in buildozer.spec). The desktop:
plyer's notification where the desktop has one (notify-send / D-Bus), otherwise only the in-app banner;
no vibration. The tone is a generated WAV played with Kivy's audio (SDL2) on both.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import shutil
import struct
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

logger = logging.getLogger(__name__)

VIBRATE_S = 1.5
TONE_RATE = 16000


class Notifier(Protocol):
    def notify(self, *, title: str, message: str, loud: bool) -> None:
        """Show a notification; `loud`: also sound the alarm tone and vibrate."""


def write_alarm_tone(path: Path, *, seconds: float = 1.6) -> Path:
    """A two-tone alarm (880 / 660 Hz, 0.2 s each) as a 16-bit mono WAV; written once."""
    if path.is_file() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for i in range(int(seconds * TONE_RATE)):
        t = i / TONE_RATE
        freq = 880.0 if int(t / 0.2) % 2 == 0 else 660.0
        envelope = min(1.0, (t % 0.2) / 0.01, (0.2 - t % 0.2) / 0.01)
        frames += struct.pack("<h", int(0.6 * 32767 * envelope * math.sin(2 * math.pi * freq * t)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(TONE_RATE)
        out.writeframes(bytes(frames))
    return path


class SystemNotifier:
    """plyer where it works, the alarm tone through Kivy's audio; every failure is logged once, never raised."""

    def __init__(self, *, tone_path: Path, platform: str | None = None) -> None:
        if platform is None:
            from kivy.utils import platform as kivy_platform
            platform = kivy_platform
        self.platform = platform
        self.tone_path = tone_path
        self._sound: Any = None
        self._failed: set[str] = set()
        self._lock = threading.Lock()

    def notify(self, *, title: str, message: str, loud: bool) -> None:
        self._system_notification(title, message)
        if loud:
            self._vibrate()
            self._tone()

    def _once(self, what: str, error: BaseException) -> None:
        if what not in self._failed:
            self._failed.add(what)
            logger.info("%s not available here (%s); the in-app banner still shows the alarm", what, error)

    def _system_notification(self, title: str, message: str) -> None:
        if "notification" in self._failed:
            return
        no_service = shutil.which("notify-send") is None and importlib.util.find_spec("dbus") is None
        if self.platform == "linux" and no_service:
            self._once("notification", RuntimeError("no notify-send and no D-Bus module"))
            return
        try:
            from plyer import notification

            notification.notify(title=title, message=message, app_name="minesafe", timeout=30)
        except Exception as error:  # no notification service on this desktop, or plyer missing
            self._once("notification", error)

    def _vibrate(self) -> None:
        if self.platform != "android" or "vibrator" in self._failed:
            return
        try:
            from plyer import vibrator

            vibrator.pattern([0, 0.6, 0.3, 0.6], repeat=-1)
        except Exception as error:
            self._once("vibrator", error)

    def _tone(self) -> None:
        """Play the tone on Kivy's main thread when an app runs there: SDL audio opened from another thread (the
        alert-events thread) can block on SDL's locks while the window's loop waits for events."""
        if "tone" in self._failed:
            return
        from kivy.app import App

        if App.get_running_app() is not None and threading.current_thread() is not threading.main_thread():
            from kivy.clock import Clock

            Clock.schedule_once(lambda _dt: self._play_tone())
            return
        self._play_tone()

    def _play_tone(self) -> None:
        try:
            with self._lock:
                if self._sound is None:
                    from kivy.core.audio import SoundLoader

                    self._sound = SoundLoader.load(str(write_alarm_tone(self.tone_path)))
                    if self._sound is None:
                        raise RuntimeError("no audio provider could load the tone")
                self._sound.stop()
                self._sound.play()
        except Exception as error:
            self._once("tone", error)


class QuietNotifier:
    """Tells nobody (the app on Android, where the alarm service rings; the banner still shows)."""

    def notify(self, *, title: str, message: str, loud: bool) -> None:
        logger.debug("alarm left to the service: %s", title)


@dataclass
class RecordingNotifier:
    """Records every call (tests and the headless driver), then passes it on to `inner` when given."""

    inner: Notifier | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def notify(self, *, title: str, message: str, loud: bool) -> None:
        self.calls.append({"title": title, "message": message, "loud": loud})
        if self.inner is not None:
            self.inner.notify(title=title, message=message, loud=loud)
