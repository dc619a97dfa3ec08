"""A drill's camera video (issue 16): the person down of the drill's scenario, staged in the real video.

A drill job (``VisionJobClaim.isDrill``) is downloaded, decoded and sampled like any other; instead of the detector,
``StagedPersonDown`` sees one person lying across the middle of every sampled frame (a box far wider than tall, the
shape ``rules.is_lying`` reads as fallen), tracked as one track. The rule engine, the snapshots and the event
reports are the real ones, so the drill's alert comes through the same path as a real person down, and no model is
loaded for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vision.messages import FrameObservation, Person

if TYPE_CHECKING:
    import numpy as np

#: the staged person's box, as shares of the frame: x1, y1, x2, y2 (centre at the frame's centre)
LYING_BOX = (0.30, 0.55, 0.70, 0.70)


class StagedPersonDown:
    """The detector of a drill job: the drill's person down, lying in the middle of the view."""

    name = "drill-staged-person-down"

    def reset(self, sample_fps: float | None = None) -> None:
        """Nothing to forget between videos: the staged person is the same in every frame."""

    def observe(self, image: np.ndarray, *, index: int, time_s: float) -> FrameObservation:
        height, width = image.shape[:2]
        x1, y1, x2, y2 = LYING_BOX
        person = Person(track_id=1, box=(x1 * width, y1 * height, x2 * width, y2 * height), conf=0.99)
        return FrameObservation(index=index, time_s=time_s, width=width, height=height, persons=[person])
