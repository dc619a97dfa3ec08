"""Failure codes a client and the server share: why a vision job failed, why a sensor reading was refused.

A vision job's failure reason is ``"{code}: {words}"`` (see :func:`failure_text`); the code is stable and
machine-readable, the words are for people.
"""

from __future__ import annotations

import enum


class VisionFailure(enum.StrEnum):
    VIDEO_ERROR = "VIDEO_ERROR"  # a video that cannot be analysed, no more precise reason
    EMPTY_FILE = "EMPTY_FILE"
    NOT_A_VIDEO = "NOT_A_VIDEO"
    CORRUPT_VIDEO = "CORRUPT_VIDEO"
    TRUNCATED_VIDEO = "TRUNCATED_VIDEO"
    RESOLUTION_TOO_LARGE = "RESOLUTION_TOO_LARGE"
    VIDEO_TOO_LONG = "VIDEO_TOO_LONG"
    BROKEN_TIMESTAMPS = "BROKEN_TIMESTAMPS"
    STREAM_UNAVAILABLE = "STREAM_UNAVAILABLE"
    DOWNLOAD_FAILED = "DOWNLOAD_FAILED"  # the object store did not hand the video over
    DOWNLOAD_TOO_LARGE = "DOWNLOAD_TOO_LARGE"
    BAD_ZONE = "BAD_ZONE"  # a danger zone the worker cannot use
    MODEL_UNKNOWN = "MODEL_UNKNOWN"  # the mine names a detector the worker does not have
    MODEL_ERROR = "MODEL_ERROR"  # the detector failed on the video
    WORKER_STOPPED = "WORKER_STOPPED"  # the worker was stopped mid-job (the job is retried)
    WORKER_ERROR = "WORKER_ERROR"  # a fault of the worker itself (the job is retried)


def failure_text(code: VisionFailure, words: str) -> str:
    """A job's failure reason as stored and shown: the code first, then the words."""
    return f"{code}: {words}"


def failure_code(reason: str | None) -> VisionFailure | None:
    """The code a failure reason starts with (None: no reason, or not one of the codes)."""
    head = (reason or "").partition(":")[0].strip()
    return VisionFailure(head) if head in VisionFailure.__members__ else None


class RejectReason(enum.StrEnum):
    """Why the server refused one forwarded sensor reading (the bridge refuses AHEAD ones itself at the edge)."""

    UNKNOWN_SENSOR = "UNKNOWN_SENSOR"
    NOT_FINITE = "NOT_FINITE"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    IN_THE_FUTURE = "IN_THE_FUTURE"
