"""Kivy's providers set for this app before any window opens, so that a start is free of CRITICAL lines and
tracebacks for things the app does not use:

- the mtdev multitouch input (Linux touch screens) is only configured when libmtdev is installed (Debian
  `libmtdev1`); without it Kivy logs an error and a traceback at every start, and SDL2 still gives touch;
- the X cut buffer (middle-click paste) needs `xclip` or `xsel`; without either Kivy logs a CRITICAL line
  although the clipboard (SDL2) works: that line is said once, as what it is, at INFO.
scripts/_venv.sh installs libmtdev1 and xclip on Debian; this keeps any other desktop's start clean too.
"""

from __future__ import annotations

import ctypes.util
import logging

logger = logging.getLogger(__name__)
_done = False


NOTES = {
    "Cutbuffer: Unable to find any valuable": "Cutbuffer: no xclip or xsel, middle-click paste is off "
                                              "(the clipboard works)",
    "Input: MTDev is not supported": "Input: no libmtdev, Linux multitouch devices come through SDL2",
}


class _ProviderNote(logging.Filter):
    """A missing optional provider (the cut buffer, mtdev) said as one INFO line, without its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            message = record.getMessage()
            for start, note in NOTES.items():
                if message.startswith(start):
                    record.levelno, record.levelname = logging.INFO, "INFO"
                    record.msg, record.args, record.exc_info, record.exc_text = note, (), None, None
        return True


def configure() -> None:
    """Idempotent; call after `import kivy` and before `kivy.app` (mobile/__main__.py does)."""
    global _done
    if _done:
        return
    _done = True
    from kivy.config import Config
    from kivy.logger import Logger
    from kivy.utils import platform

    note = _ProviderNote()
    Logger.addFilter(note)
    for handler in Logger.handlers:
        handler.addFilter(note)
    if platform == "linux" and ctypes.util.find_library("mtdev") is None \
            and Config.has_option("input", "%(name)s"):
        Config.remove_option("input", "%(name)s")
        logger.info("libmtdev not installed: Linux multitouch devices come through SDL2")
