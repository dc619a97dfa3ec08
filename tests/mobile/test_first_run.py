"""The newcomer's first run: the app starts headless without CRITICAL lines, errors or tracebacks, missing
optional providers are one INFO line, and demo photos are offered in the chooser."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from mobile.kivy_setup import _ProviderNote
from mobile.ui.demo_photos import DEMO, ensure_demo_photos
from tests.mobile.test_app_headless import ROOT, app_env


def test_the_app_starts_without_critical_lines_or_tracebacks(tmp_path: Path) -> None:
    env = {**app_env(tmp_path), "MINESAFE_MOBILE_DATA": str(tmp_path / "data"), "MINESAFE_EXIT_WHEN_READY": "1",
           "KIVY_LOG_LEVEL": "info"}
    env.pop("KIVY_NO_CONSOLELOG", None)
    run = subprocess.run([sys.executable, "-m", "mobile"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    out = run.stdout + run.stderr
    assert run.returncode == 0 and "MINESAFE_READY screen=server" in out, out[-3000:]
    assert "[Window" in out          # Kivy's own log lines were captured: the check below sees them
    for bad in ("CRITICAL", "ERROR", "Traceback"):
        assert bad not in out, out


def test_a_missing_optional_provider_is_one_info_line() -> None:
    note = _ProviderNote()
    try:
        raise OSError("libmtdev.so.1: cannot open shared object file")
    except OSError:
        record = logging.LogRecord("kivy", logging.ERROR, __file__, 1, "Input: MTDev is not supported by your "
                                   "version of linux", (), sys.exc_info())
    assert note.filter(record) and record.levelno == logging.INFO and record.exc_info is None
    cut = logging.LogRecord("kivy", logging.CRITICAL, __file__, 1, "Cutbuffer: Unable to find any valuable "
                            "Cutbuffer provider. Please enable debug logging\nxclip - FileNotFoundError", (), None)
    assert note.filter(cut) and cut.levelname == "INFO" and "xclip" in cut.getMessage()
    other = logging.LogRecord("kivy", logging.CRITICAL, __file__, 1, "Window: nothing works", (), None)
    assert note.filter(other) and other.levelno == logging.CRITICAL


def test_demo_photos_are_real_jpegs_made_once(tmp_path: Path) -> None:
    from PIL import Image

    folder = ensure_demo_photos(tmp_path / "demo")
    assert folder is not None and sorted(p.name for p in folder.iterdir()) == sorted(d[0] for d in DEMO)
    for path in folder.iterdir():
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.size == (960, 720)
    stamp = {p.name: os.stat(p).st_mtime_ns for p in folder.iterdir()}
    ensure_demo_photos(folder)
    assert stamp == {p.name: os.stat(p).st_mtime_ns for p in folder.iterdir()}
