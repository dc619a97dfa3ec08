"""Video decoding with OpenCV: probe, typed errors for bad files, sampling at a fixed rate by timestamp."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from contracts.failures import VisionFailure, failure_text

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)


class VideoError(Exception):
    """A video that cannot be analysed. `code` is a stable machine-readable reason."""

    code = VisionFailure.VIDEO_ERROR

    def __str__(self) -> str:
        return failure_text(self.code, super().__str__())


class EmptyVideoError(VideoError):
    code = VisionFailure.EMPTY_FILE


class NotAVideoError(VideoError):
    code = VisionFailure.NOT_A_VIDEO


class CorruptVideoError(VideoError):
    code = VisionFailure.CORRUPT_VIDEO


class TruncatedVideoError(VideoError):
    code = VisionFailure.TRUNCATED_VIDEO


class ResolutionTooLargeError(VideoError):
    code = VisionFailure.RESOLUTION_TOO_LARGE


class VideoTooLongError(VideoError):
    code = VisionFailure.VIDEO_TOO_LONG


class BrokenTimestampsError(VideoError):
    code = VisionFailure.BROKEN_TIMESTAMPS


class StreamUnavailableError(VideoError):
    code = VisionFailure.STREAM_UNAVAILABLE


# Signatures of the containers FFmpeg reads that cameras and robots produce.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftyp", "mp4"),
    (0, b"RIFF", "avi"),
    (0, b"\x1a\x45\xdf\xa3", "matroska"),
    (0, b"FLV", "flv"),
    (0, b"OggS", "ogg"),
    (0, b"\x00\x00\x01\xba", "mpeg-ps"),
    (0, b"\x00\x00\x01\xb3", "mpeg-video"),
    (0, b"\x00\x00\x00\x01", "h264-annexb"),
    (4, b"moov", "mov"),
    (4, b"mdat", "mov"),
    (4, b"wide", "mov"),
    (4, b"free", "mov"),
)


def sniff_container(head: bytes) -> str | None:
    """The container named by the first bytes of a file, or None when it is not a known video."""
    for offset, magic, name in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            if name == "avi" and head[8:12] != b"AVI ":
                return None  # RIFF but WAVE or WEBP
            return name
    if len(head) >= 189 and head[0] == 0x47 and head[188] == 0x47:
        return "mpeg-ts"
    return None


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the container says about a video before any frame is decoded."""

    source: str
    container: str
    width: int
    height: int
    fps: float
    frame_count: int  # 0 when unknown (live streams)
    duration_s: float

    @property
    def is_live(self) -> bool:
        return self.frame_count <= 0


@dataclass(slots=True)
class SampledFrame:
    """One decoded frame chosen by the sampler."""

    index: int
    time_s: float
    image: np.ndarray


@dataclass
class DecodeStats:
    """Counts kept while decoding; read after the sampler is exhausted."""

    decoded: int = 0
    sampled: int = 0
    last_time_s: float = 0.0
    intervals: list[float] = field(default_factory=list)

    @property
    def variable_frame_rate(self) -> bool:
        """Whether frame intervals differ by more than 25 % from their median."""
        if len(self.intervals) < 3:
            return False
        ordered = sorted(self.intervals)
        median = ordered[len(ordered) // 2]
        if median <= 0:
            return False
        return any(abs(i - median) > 0.25 * median for i in self.intervals)


def _open(source: str):
    import cv2

    capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG)
    return capture


def probe(path: Path, *, max_pixels: int, max_seconds: float) -> VideoInfo:
    """Check a video file and read its header; raise a VideoError saying what is wrong with it."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise NotAVideoError(f"{path.name} does not exist or is not a file")
    size = path.stat().st_size
    if size == 0:
        raise EmptyVideoError(f"{path.name} is empty (0 bytes)")
    with path.open("rb") as handle:
        head = handle.read(512)
    container = sniff_container(head)
    if container is None:
        raise NotAVideoError(f"{path.name} is not a video file (unknown format, {size} bytes)")
    capture = _open(str(path))
    try:
        if not capture.isOpened():
            raise CorruptVideoError(f"{path.name} looks like {container} but cannot be opened "
                                    "(corrupt or truncated before its index)")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    finally:
        capture.release()
    return _checked(VideoInfo(source=str(path), container=container, width=width, height=height,
                              fps=fps, frame_count=max(frames, 0),
                              duration_s=frames / fps if fps > 0 and frames > 0 else 0.0),
                    max_pixels=max_pixels, max_seconds=max_seconds)


def probe_stream(url: str, *, max_pixels: int) -> VideoInfo:
    """Open a live stream (RTSP, HTTP) and read its size and nominal rate."""
    import cv2

    capture = _open(url)
    try:
        if not capture.isOpened():
            raise StreamUnavailableError(f"cannot open stream {url}")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    finally:
        capture.release()
    return _checked(VideoInfo(source=url, container="stream", width=width, height=height, fps=fps,
                              frame_count=0, duration_s=0.0), max_pixels=max_pixels, max_seconds=float("inf"))


def _checked(info: VideoInfo, *, max_pixels: int, max_seconds: float) -> VideoInfo:
    name = Path(info.source).name if info.container != "stream" else info.source
    if info.width <= 0 or info.height <= 0:
        raise CorruptVideoError(f"{name} has no video stream with a frame size")
    if info.width * info.height > max_pixels:
        raise ResolutionTooLargeError(
            f"{name} is {info.width}×{info.height} ({info.width * info.height} pixels); "
            f"the limit is {max_pixels} pixels")
    if info.duration_s > max_seconds:
        raise VideoTooLongError(f"{name} lasts {info.duration_s:.0f} s; the limit is {max_seconds:.0f} s")
    return info


def sample_frames(info: VideoInfo, *, sample_fps: float, stats: DecodeStats,
                  max_gap_s: float = 5.0, loop: bool = False) -> Iterator[SampledFrame]:
    """Decode `info.source` and yield one frame every 1/sample_fps seconds of video time.

    Frames are chosen by their presentation timestamps, so variable-frame-rate video is sampled
    evenly in time. Skipped frames are grabbed but not converted. Raises CorruptVideoError when no
    frame decodes, TruncatedVideoError when a file ends well before its header's frame count, and
    BrokenTimestampsError when timestamps run backwards or jump further than max_gap_s.
    """
    import cv2

    period = 1.0 / sample_fps
    nominal = 1.0 / info.fps if info.fps > 0 else period
    time_offset = 0.0
    while True:
        capture = _open(info.source)
        if not capture.isOpened():
            raise StreamUnavailableError(f"cannot open {info.source}")
        next_time = time_offset
        previous: float | None = None
        local_index = 0
        try:
            while True:
                if not capture.grab():
                    break
                pos_ms = capture.get(cv2.CAP_PROP_POS_MSEC)
                if (pos_ms and pos_ms > 0) or local_index == 0:
                    t = (pos_ms or 0.0) / 1000.0 + time_offset
                else:
                    t = (previous if previous is not None else time_offset) + nominal
                if previous is not None:
                    gap = t - previous
                    if gap < 0:
                        raise BrokenTimestampsError(
                            f"timestamps run backwards at frame {stats.decoded} ({previous:.3f} s → {t:.3f} s)")
                    if gap > max_gap_s and not info.is_live:
                        raise BrokenTimestampsError(
                            f"{gap:.1f} s gap between frames at frame {stats.decoded} (limit {max_gap_s:g} s)")
                    if len(stats.intervals) < 10_000:
                        stats.intervals.append(gap)
                previous = t
                index = stats.decoded
                stats.decoded += 1
                local_index += 1
                stats.last_time_s = t
                if t + 1e-6 < next_time:
                    continue
                ok, image = capture.retrieve()
                if not ok or image is None:
                    continue
                stats.sampled += 1
                while next_time <= t + 1e-6:
                    next_time += period
                yield SampledFrame(index=index, time_s=round(t, 4), image=image)
        finally:
            capture.release()
        if local_index == 0:
            raise CorruptVideoError(f"no frame of {Path(info.source).name} could be decoded")
        if loop:
            time_offset = (previous or 0.0) + nominal
            continue
        if not info.is_live and info.frame_count > 0 and local_index < 0.9 * info.frame_count - 1:
            raise TruncatedVideoError(
                f"{Path(info.source).name} ends after {local_index} of {info.frame_count} frames "
                f"({stats.last_time_s:.1f} of {info.duration_s:.1f} s)")
        return
