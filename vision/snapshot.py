"""Annotated event snapshots drawn with Pillow: the zone, every detection, the event's box."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from vision.messages import FrameObservation, Point, VisionEvent

if TYPE_CHECKING:
    import numpy as np

SKELETON = ((5, 7), (7, 9), (6, 8), (8, 10), (5, 6), (5, 11), (6, 12), (11, 12), (11, 13), (13, 15),
            (12, 14), (14, 16))


def render_snapshot(image: np.ndarray, frame: FrameObservation, event: VisionEvent,
                    zone_polygon: list[Point], *, quality: int = 85, max_side: int = 1280) -> bytes:
    """A JPEG of the frame (BGR array) with the zone shaded, detections outlined and the event boxed."""
    picture = Image.fromarray(image[:, :, ::-1]).convert("RGB")
    overlay = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    shade = ImageDraw.Draw(overlay)
    if len(zone_polygon) >= 3:
        shade.polygon(zone_polygon, fill=(255, 60, 0, 70), outline=(255, 60, 0, 255), width=3)
    picture = Image.alpha_composite(picture.convert("RGBA"), overlay).convert("RGB")
    draw = ImageDraw.Draw(picture)
    involved = set(event.track_ids)
    for person in frame.persons:
        hot = person.track_id in involved
        colour = (230, 20, 20) if hot else (40, 200, 60)
        draw.rectangle(person.box, outline=colour, width=4 if hot else 2)
        draw.text((person.box[0] + 3, max(person.box[1] - 12, 0)),
                  f"#{person.track_id} {person.label} {person.conf:.2f}", fill=colour)
        if person.keypoints:
            for a, b in SKELETON:
                if a < len(person.keypoints) and b < len(person.keypoints):
                    ka, kb = person.keypoints[a], person.keypoints[b]
                    if ka[2] > 0.3 and kb[2] > 0.3:
                        draw.line([(ka[0], ka[1]), (kb[0], kb[1])], fill=(255, 210, 0), width=2)
    if event.box is not None and not involved:
        draw.rectangle(event.box, outline=(230, 20, 20), width=4)
    banner = f"{event.kind.value}  {event.zone_name}  t={event.time_s:.1f}s  conf={event.confidence:.2f}"
    draw.rectangle((0, 0, picture.width, 16), fill=(0, 0, 0))
    draw.text((4, 2), banner, fill=(255, 255, 255))
    picture.thumbnail((max_side, max_side))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality)
    return out.getvalue()
