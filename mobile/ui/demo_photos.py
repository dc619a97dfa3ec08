"""A folder of demo photos for a first run on a desktop (no camera, no pictures of a mine at hand): drawn once
with Pillow into the app's data folder and offered in the photo chooser."""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

# (file, background, what is drawn, caption)
DEMO = (
    ("roof-spalling.jpg", (58, 52, 46), "rocks", "DEMO roof spalling at the face"),
    ("water-on-the-roadway.jpg", (40, 44, 50), "water", "DEMO water on the haulage roadway"),
    ("missing-guard.jpg", (46, 48, 44), "belt", "DEMO belt head without its guard"),
)


def ensure_demo_photos(folder: Path) -> Path | None:
    """The demo folder with its photos (made when missing); None where Pillow is not available (Android)."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for name, background, kind, caption in DEMO:
        path = folder / name
        if path.is_file() and path.stat().st_size > 0:
            continue
        image = Image.new("RGB", (960, 720), background)
        draw = ImageDraw.Draw(image)
        draw.polygon([(0, 720), (330, 300), (630, 300), (960, 720)], fill=(78, 72, 64))      # the roadway
        draw.polygon([(0, 0), (330, 300), (630, 300), (960, 0)], fill=(66, 62, 58))          # the roof
        if kind == "rocks":
            for x, y, r in ((400, 520, 60), (520, 560, 80), (610, 500, 45), (460, 610, 50)):
                draw.ellipse((x - r, y - r * 0.7, x + r, y + r * 0.7), fill=(120, 110, 96), outline=(30, 28, 26))
            draw.line([(420, 120), (480, 200), (450, 260)], fill=(20, 18, 16), width=8)
        elif kind == "water":
            draw.ellipse((220, 480, 760, 680), fill=(60, 90, 120), outline=(150, 180, 210), width=4)
        else:
            draw.rectangle((300, 380, 700, 560), fill=(40, 40, 40), outline=(230, 190, 40), width=10)
            for x in range(320, 700, 60):
                draw.ellipse((x, 440, x + 50, 490), fill=(150, 150, 150))
        draw.rectangle((0, 0, 960, 56), fill=(0, 0, 0))
        draw.text((16, 18), caption, fill=(250, 250, 250))
        image.save(path, "JPEG", quality=85)
    return folder
