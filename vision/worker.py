"""The job loop: claim → download → analyse (renewing the lease) → snapshots and events → complete or fail.

A bad video fails its job with the typed reason from vision/video.py and the worker carries on;
transient backend errors are retried with backoff; a stop request (SIGTERM) hands the current job
back to the queue and ends the loop. Never imports backend code.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from contracts.client import ApiError
from contracts.failures import VisionFailure, failure_code, failure_text
from vision.api import LEASE_LOST, WORKER_REFUSED, DownloadError, JobClaim, VisionClient
from vision.config import VisionSettings
from vision.messages import VisionEvent
from vision.models import ModelError
from vision.rules import PolygonError
from vision.video import VideoError

logger = logging.getLogger(__name__)
T = TypeVar("T")


DRILL_ANALYZER = "drill"  # the key of the drill jobs' analyser (no model of that name is ever registered)


class StopRequested(Exception):
    """The worker was asked to stop while a call was being retried."""


class AbortJob(Exception):
    """The job cannot go on here (lease lost, backend gone too long, stop requested)."""


def failure_reason(error: Exception) -> str:
    """A job's failure reason: a stable code first (`CORRUPT_VIDEO: …`, `BAD_ZONE: …`), then the words."""
    text = str(error)
    if failure_code(text) is not None:  # it names its code already (VideoError, DownloadError, MODEL_UNKNOWN)
        return text
    return failure_text(VisionFailure.BAD_ZONE if isinstance(error, PolygonError) else VisionFailure.MODEL_ERROR, text)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{random.randbytes(3).hex()}"


@dataclass
class JobOutcome:
    job_id: str
    state: str  # DONE, FAILED, REQUEUED, ABANDONED
    reason: str | None = None
    events: int = 0
    frames: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class WorkerStats:
    outcomes: list[JobOutcome] = field(default_factory=list)
    refused: str | None = None  # why the backend refused this worker, when it did

    def count(self, state: str) -> int:
        return sum(1 for o in self.outcomes if o.state == state)


class VisionWorker:
    """One worker: one job at a time, analysers (loaded models) kept between jobs."""

    def __init__(self, settings: VisionSettings, client: VisionClient | None = None, *,
                 worker_id: str | None = None, analyzer_factory: Callable[[VisionSettings], object] | None = None,
                 sleep: Callable[[float], None] | None = None, sample_fps: float | None = None) -> None:
        self.settings = settings
        self.sample_fps = sample_fps  # overrides the mine's rate from the claim
        self.client = client or VisionClient(settings.api_url, settings.device_token,
                                             timeout=settings.http_timeout_seconds)
        self.worker_id = worker_id or settings.worker_id or default_worker_id()
        self._analyzer_factory = analyzer_factory
        self._analyzers: dict[str, object] = {}
        self._stop = threading.Event()
        self._sleep = sleep

    # --- control --------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the loop to end: the current job goes back to the queue at the next frame."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self._stop.wait(seconds)

    def _retry(self, what: str, call: Callable[[], T], *, forever: bool = False) -> T:
        """Call until it succeeds; retryable errors are retried with exponential backoff and jitter."""
        deadline = time.monotonic() + self.settings.retry_seconds
        delay = 0.5
        while True:
            try:
                return call()
            except ApiError as error:
                if not error.retryable:
                    raise
                if self.stopping:
                    raise StopRequested(what) from error
                if not forever and time.monotonic() + delay > deadline:
                    raise AbortJob(f"{what}: the backend stayed unreachable ({error})") from error
                logger.warning("%s failed (%s); retrying in %.1f s", what, error, delay)
                self._wait(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, 30.0)

    # --- the loop -------------------------------------------------------------------------
    def run(self, *, once: bool = False, max_jobs: int = 0) -> WorkerStats:
        """Claim and process jobs until stopped; `once`: until the queue is empty; `max_jobs`: at most that many."""
        stats = WorkerStats()
        logger.info("vision worker %s polling %s", self.worker_id, self.client.endpoint)
        while not self.stopping:
            try:
                claim = self._retry("claim", lambda: self.client.claim(self.worker_id, self.settings.lease_seconds),
                                    forever=True)
            except StopRequested:
                break
            except ApiError as error:
                if error.code not in WORKER_REFUSED:
                    raise
                logger.error("the backend refused this worker: %s", error)
                stats.refused = str(error)
                break
            if claim is None:
                if once:
                    break
                self._wait(self.settings.poll_seconds)
                continue
            stats.outcomes.append(self.process(claim))
            if max_jobs and len(stats.outcomes) >= max_jobs:
                break
        return stats

    def analyzer(self, model: str | None):  # type: ignore[no-untyped-def]
        """The analyser (loaded models) for a mine's model name, loaded once."""
        name = model or self.settings.model
        if name not in self._analyzers:
            settings = self.settings.model_copy(update={"model": name})
            if self._analyzer_factory is not None:
                self._analyzers[name] = self._analyzer_factory(settings)
            else:
                from vision.pipeline import Analyzer

                self._analyzers[name] = Analyzer(settings)
        return self._analyzers[name]

    def process(self, claim: JobClaim) -> JobOutcome:
        """One leased job, from download to complete or fail; never raises for a bad video."""
        outcome = JobOutcome(job_id=claim.job_id, state="DONE")
        folder = Path(self.settings.work_dir) / "jobs"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{claim.job_id}-{self.worker_id}.video"  # the decoder sniffs the container
        logger.info("job %s (attempt %d, camera %s): %d zones", claim.job_id, claim.attempt, claim.camera_code,
                    len(claim.zones))
        try:
            started = time.perf_counter()
            cap = min(self.settings.max_download_bytes, claim.video_size) if claim.video_size > 0 else \
                self.settings.max_download_bytes
            renewed = [time.monotonic()]

            def renew_during_download(_written: int) -> None:
                if self.stopping:
                    raise StopRequested("stop requested during the download")
                if time.monotonic() - renewed[0] >= self.settings.progress_every_seconds:
                    renewed[0] = time.monotonic()
                    self._retry("progress", lambda: self.client.progress(
                        claim.job_id, self.worker_id, progress=0.0, frames=0,
                        lease_seconds=self.settings.lease_seconds))

            self._retry("download", lambda: self.client.download(claim.video_url, target, max_bytes=cap,
                                                                 on_chunk=renew_during_download))
            outcome.seconds["download"] = time.perf_counter() - started
            started = time.perf_counter()
            self._analyse(claim, target, outcome)
            outcome.seconds["analyse"] = time.perf_counter() - started
        except (VideoError, PolygonError, ModelError, DownloadError) as error:
            retry = isinstance(error, DownloadError) and error.retryable  # a new claim signs a new link
            self._finish_failed(claim, outcome, failure_reason(error), retry=retry)
        except (AbortJob, StopRequested) as error:
            if isinstance(error, StopRequested) or self.stopping:
                stopped = failure_text(VisionFailure.WORKER_STOPPED, f"worker {self.worker_id} was stopped")
                self._finish_failed(claim, outcome, stopped, retry=True)
            else:
                outcome.state, outcome.reason = "ABANDONED", str(error)
                logger.warning("job %s abandoned: %s (its lease will run out)", claim.job_id, error)
        except ApiError as error:  # refused (what is retryable was retried until AbortJob)
            if error.code is LEASE_LOST:
                outcome.state, outcome.reason = "ABANDONED", str(error)
                logger.warning("job %s: lease lost (%s); dropping it", claim.job_id, error)
            else:
                self._finish_failed(claim, outcome, failure_text(VisionFailure.WORKER_ERROR, str(error)), retry=True)
        except Exception as error:  # the worker carries on whatever one job does
            logger.exception("job %s: unexpected error", claim.job_id)
            fault = failure_text(VisionFailure.WORKER_ERROR, f"{type(error).__name__}: {error}")
            self._finish_failed(claim, outcome, fault, retry=True)
        finally:
            target.unlink(missing_ok=True)
        logger.info("job %s %s: %d events, %d frames%s", claim.job_id, outcome.state, outcome.events,
                    outcome.frames, f" ({outcome.reason})" if outcome.reason else "")
        return outcome

    def drill_analyzer(self):  # type: ignore[no-untyped-def]
        """The analyser of drill jobs: the real pipeline with the drill's person down staged (vision/drill.py)."""
        if DRILL_ANALYZER not in self._analyzers:
            from vision.drill import StagedPersonDown
            from vision.pipeline import Analyzer

            self._analyzers[DRILL_ANALYZER] = Analyzer(self.settings, detector=StagedPersonDown())  # type: ignore[arg-type]
        return self._analyzers[DRILL_ANALYZER]

    def _analyse(self, claim: JobClaim, video: Path, outcome: JobOutcome) -> None:
        try:
            analyzer = self.drill_analyzer() if claim.drill else self.analyzer(claim.model)
        except KeyError as error:  # the mine names a detector this worker does not have
            unknown = error.args[0] if error.args else error
            raise ModelError(failure_text(VisionFailure.MODEL_UNKNOWN, str(unknown))) from error
        analyzer.settings = analyzer.settings.model_copy(update={"sample_fps": self.sample_fps or claim.sample_fps})
        info = analyzer.open(video)
        last_report = [time.monotonic()]

        def on_progress(done: float, frames: int) -> None:
            outcome.frames = frames
            if self.stopping:
                raise StopRequested("stop requested during analysis")
            now = time.monotonic()
            if now - last_report[0] < self.settings.progress_every_seconds:
                return
            last_report[0] = now
            self._retry("progress", lambda: self.client.progress(
                claim.job_id, self.worker_id, progress=max(done, 0.0), frames=frames,
                lease_seconds=self.settings.lease_seconds))

        def on_event(event: VisionEvent, jpeg: bytes) -> None:
            key = self._retry("snapshot upload", lambda: self.client.upload_snapshot(jpeg))
            reported = event.model_copy(update={"snapshot_key": key})
            self._retry("report events", lambda: self.client.report_events(claim.job_id, self.worker_id, [reported]))
            outcome.events += 1

        result = analyzer.analyze(info, claim.zones, on_progress=on_progress, on_event=on_event)
        summary = result.summary.model_dump(mode="json")
        summary["worker_id"] = self.worker_id
        outcome.frames = result.summary.frames_analysed
        self._retry("complete", lambda: self.client.complete(claim.job_id, self.worker_id, summary,
                                                             frames=outcome.frames))

    def _finish_failed(self, claim: JobClaim, outcome: JobOutcome, reason: str, *, retry: bool) -> None:
        outcome.state, outcome.reason = ("REQUEUED" if retry else "FAILED"), reason
        try:
            self._retry("fail", lambda: self.client.fail(claim.job_id, self.worker_id, reason, retry=retry),
                        forever=False)
        except (StopRequested, AbortJob, ApiError) as error:
            outcome.state = "ABANDONED"
            logger.warning("job %s: could not report its failure (%s); its lease will run out", claim.job_id, error)
