"""One video through the whole path: decode → sample → detect + track → rules → events + snapshots."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vision.config import VisionSettings
from vision.detector import Detector
from vision.messages import VideoSummary, VisionEvent, ZoneSpec
from vision.rules import RuleEngine
from vision.snapshot import render_snapshot
from vision.video import DecodeStats, VideoInfo, probe, probe_stream, sample_frames

logger = logging.getLogger(__name__)

ProgressFn = Callable[[float, int], None]  # fraction done (0..1, -1 for live), frames analysed
EventFn = Callable[[VisionEvent, bytes], None]  # the event and its JPEG snapshot


@dataclass
class AnalysisResult:
    summary: VideoSummary
    events: list[VisionEvent] = field(default_factory=list)


class Analyzer:
    """Holds the loaded models; analyses one video or stream at a time."""

    def __init__(self, settings: VisionSettings, detector: Detector | None = None) -> None:
        self.settings = settings
        self.detector = detector or Detector(settings)

    def open(self, source: str | Path) -> VideoInfo:
        """Probe a file, or a live stream when `source` is a URL."""
        text = str(source)
        if "://" in text:
            return probe_stream(text, max_pixels=self.settings.max_pixels)
        return probe(Path(text), max_pixels=self.settings.max_pixels, max_seconds=self.settings.max_seconds)

    def analyze(self, info: VideoInfo, zones: list[ZoneSpec], *, on_progress: ProgressFn | None = None,
                on_event: EventFn | None = None, loop: bool = False,
                should_stop: Callable[[], bool] | None = None) -> AnalysisResult:
        """Run the video through the models and the zones' rules.

        Raises PolygonError for an unusable zone and VideoError for a bad video (after reporting
        the events found in the part that decoded).
        """
        engine = RuleEngine(zones=list(zones), default_hold=self.settings.hold_frames,
                            lying_hold=self.settings.lying_hold_frames, hold_seconds=self.settings.hold_seconds,
                            lying_hold_seconds=self.settings.lying_hold_seconds)
        by_id = {zone.id: zone for zone in zones}
        self.detector.reset(self.settings.sample_fps)
        stats = DecodeStats()
        events: list[VisionEvent] = []
        tracks: set[int] = set()
        for sampled in sample_frames(info, sample_fps=self.settings.sample_fps, stats=stats,
                                     max_gap_s=self.settings.max_frame_gap_seconds, loop=loop):
            frame = self.detector.observe(sampled.image, index=sampled.index, time_s=sampled.time_s)
            tracks.update(p.track_id for p in frame.persons if p.track_id is not None)
            for event in engine.step(frame):
                events.append(event)
                logger.info("event %s at %.1f s: %s", event.kind, event.time_s, event.detail)
                if on_event is not None:
                    polygon = engine.polygon(by_id[event.zone_id], frame.width, frame.height)
                    jpeg = render_snapshot(sampled.image, engine.last_frame or frame, event, polygon,
                                           quality=self.settings.snapshot_quality)
                    on_event(event, jpeg)
            if on_progress is not None:
                done = -1.0 if info.is_live or loop else min(sampled.time_s / info.duration_s, 1.0) \
                    if info.duration_s > 0 else 0.0
                on_progress(done, stats.sampled)
            if should_stop is not None and should_stop():
                break
        summary = VideoSummary(
            width=info.width, height=info.height, fps=info.fps,
            duration_s=round(stats.last_time_s if info.is_live else max(info.duration_s, stats.last_time_s), 3),
            frames_decoded=stats.decoded, frames_analysed=stats.sampled,
            variable_frame_rate=stats.variable_frame_rate, tracks=len(tracks), events=len(events),
            events_by_kind=dict(Counter(e.kind.value for e in events)), model=self.detector.name,
        )
        if on_progress is not None and not info.is_live:
            on_progress(1.0, stats.sampled)
        return AnalysisResult(summary=summary, events=events)
