"""Vision worker settings, read from MINESAFE_VISION_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class VisionSettings(BaseSettings):
    """Everything the worker, `watch`, `analyze` and `train` can be told."""

    model_config = SettingsConfigDict(env_prefix="MINESAFE_VISION_", env_file=".env", extra="ignore")

    # backend
    api_url: str = "http://127.0.0.1:8000/graphql"
    device_token: str = ""
    poll_seconds: float = Field(default=5.0, gt=0)
    http_timeout_seconds: float = Field(default=60.0, gt=0)
    lease_seconds: int = Field(default=120, ge=10, description="lease asked for when claiming a job")
    progress_every_seconds: float = Field(default=5.0, gt=0)
    retry_seconds: float = Field(default=120.0, gt=0, description="how long one call is retried on transient errors")
    max_download_bytes: int = Field(default=2 * 1024**3, gt=0, description="a larger video is refused")
    worker_id: str = Field(default="", description="defaults to host-pid-random")

    # models
    cache_dir: Path = Path("var/models")
    work_dir: Path = Path("var/vision")
    model: str = "pose"
    registry_file: Path | None = Field(default=None, description="JSON list of extra detectors")
    prefer_onnx: bool = True
    imgsz: int = Field(default=640, ge=32, le=1920)
    conf: float = Field(default=0.35, gt=0, lt=1, description="score a detection needs to start a track")
    device: str = "cpu"
    threads: int = Field(default=2, ge=1)

    # tracking (on the sampled frames, so its memory is set in seconds of video, not frames)
    tracker: Literal["botsort", "bytetrack"] = Field(
        default="botsort", description="botsort compensates camera motion (robots, pans); bytetrack does not")
    track_low_conf: float = Field(default=0.1, gt=0, lt=1,
                                  description="weaker detections still extend a track (ByteTrack's 2nd stage)")
    track_buffer_seconds: float = Field(default=2.0, gt=0, description="a lost track can be found again this long")
    track_match_thresh: float = Field(default=0.8, gt=0, le=1, description="association cost limit (1 − IoU, fused)")
    gmc_method: Literal["sparseOptFlow", "orb", "ecc", "none"] = Field(
        default="sparseOptFlow", description="BoT-SORT's camera-motion estimate between sampled frames")

    # decoding and sampling
    sample_fps: float = Field(default=5.0, gt=0)
    max_pixels: int = Field(default=3840 * 2160, gt=0, description="larger frames are refused")
    max_seconds: float = Field(default=4 * 3600, gt=0, description="longer videos are refused")
    max_frame_gap_seconds: float = Field(default=5.0, gt=0, description="a larger timestamp jump is refused")

    # rules (defaults; each zone may override)
    hold_seconds: float = Field(default=0.4, ge=0, description="video time a condition must hold before it fires")
    lying_hold_seconds: float = Field(default=0.4, ge=0)
    hold_frames: int = Field(default=2, ge=1, description="and the fewest sampled frames it must hold in")
    lying_hold_frames: int = Field(default=2, ge=1)
    snapshot_quality: int = Field(default=85, ge=10, le=100)


@lru_cache
def get_vision_settings() -> VisionSettings:
    """The process-wide settings."""
    return VisionSettings()
