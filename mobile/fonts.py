"""Finding a font that shows Chinese (the app's default font must cover 中文 and Latin)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)

BUNDLED_DIR = Path(__file__).parent / "fonts"

KNOWN_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",          # Debian fonts-wqy-microhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/system/fonts/NotoSansCJK-Regular.ttc",                   # Android
    "/system/fonts/NotoSansSC-Regular.otf",
    "/system/fonts/DroidSansFallback.ttf",
    "/System/Library/Fonts/PingFang.ttc",                       # macOS
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",                                # Windows
    "C:/Windows/Fonts/simhei.ttf",
)


def find_cjk_font() -> Path | None:
    """`MINESAFE_CJK_FONT`, a font bundled in mobile/fonts/, a known system path, or fontconfig's pick."""
    override = os.environ.get("MINESAFE_CJK_FONT")
    if override:
        path = Path(override)
        if path.is_file():
            return path
        logger.warning("MINESAFE_CJK_FONT=%s is not a file; looking elsewhere", override)
    if BUNDLED_DIR.is_dir():
        for candidate in sorted(BUNDLED_DIR.iterdir()):
            if candidate.suffix.lower() in (".ttf", ".ttc", ".otf"):
                return candidate
    for known in KNOWN_CJK_FONTS:
        if Path(known).is_file():
            return Path(known)
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
                                 timeout=5, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and "dejavu" not in out.lower():
            return Path(out)
    return None


def install_default_font() -> Path | None:
    """Make the CJK font Kivy's default ("Roboto") so every label can show Chinese."""
    from kivy.core.text import LabelBase

    path = find_cjk_font()
    if path is None:
        logger.warning("no font with Chinese glyphs found: Chinese text will show as boxes "
                       "(install fonts-wqy-microhei or set MINESAFE_CJK_FONT)")
        return None
    LabelBase.register(name="Roboto", fn_regular=str(path), fn_bold=str(path))
    logger.info("default font: %s", path)
    return path
