"""`minesafe vision …`: analyze a file, watch a stream, work the job queue. Heavy imports happen inside commands."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Vision: unsafe-behaviour detection on robot video and camera streams.", no_args_is_help=True)
logger = logging.getLogger(__name__)


def _zones(zones_file: Path | None, zone: list[str] | None) -> list:
    """Zones from a JSON file (list of ZoneSpec) and/or --zone 'KIND:x,y x,y x,y[:param]' options."""
    from contracts.vision import ZoneRule
    from vision.messages import ZoneSpec
    from vision.rules import PolygonError, zone_problem

    specs: list[ZoneSpec] = []
    if zones_file is not None:
        specs.extend(ZoneSpec.model_validate(item) for item in json.loads(zones_file.read_text()))
    for n, text in enumerate(zone or []):
        kind, _, rest = text.partition(":")
        points_text, _, param = rest.partition(":")
        points = [tuple(float(v) for v in p.split(",")) for p in points_text.split()]
        rule = ZoneRule(kind.upper())
        extra: dict[str, object] = {}
        if rule is ZoneRule.MAX_PEOPLE:
            extra["max_people"] = int(param or 0)
        elif rule is ZoneRule.DWELL_LIMIT:
            extra["dwell_seconds"] = float(param or 60)
        elif rule is ZoneRule.CLASS_PRESENT:
            extra["detector_class"] = param
        specs.append(ZoneSpec(id=f"cli{n}", name=f"{rule.value.lower()} {n}", kind=rule, polygon=points, **extra))
    for spec in specs:
        problem = zone_problem(spec)
        if problem:
            raise PolygonError(problem)
    return specs


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="video file")],
    zones_file: Annotated[Path | None, typer.Option("--zones", help="JSON list of zones")] = None,
    zone: Annotated[list[str] | None, typer.Option(help="KIND:x,y x,y x,y[:param] in 0..1 coordinates")] = None,
    snapshots: Annotated[Path | None, typer.Option(help="folder for annotated event snapshots")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Analyse one video and print its events."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from vision.config import get_vision_settings
    from vision.pipeline import Analyzer
    from vision.rules import PolygonError
    from vision.video import VideoError

    try:
        specs = _zones(zones_file, zone)
    except (PolygonError, ValueError) as exc:
        typer.echo(f"bad zone: {exc}", err=True)
        raise typer.Exit(2) from exc
    analyzer = Analyzer(get_vision_settings())
    if snapshots is not None:
        snapshots.mkdir(parents=True, exist_ok=True)

    def save(event, jpeg: bytes) -> None:
        if snapshots is not None:
            (snapshots / f"{event.key.replace(':', '_')}.jpg").write_bytes(jpeg)

    try:
        info = analyzer.open(file)
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeRemainingColumn(), transient=True, disable=as_json) as bar:
            task = bar.add_task(file.name, total=1.0)
            result = analyzer.analyze(info, specs, on_event=save,
                                      on_progress=lambda done, _n: bar.update(task, completed=max(done, 0)))
    except VideoError as exc:
        typer.echo(f"cannot analyse {file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps({"summary": result.summary.model_dump(mode="json"),
                               "events": [e.model_dump(mode="json") for e in result.events]}, indent=2))
        return
    for event in result.events:
        typer.echo(f"{event.time_s:8.1f} s  {event.kind.value:<13} {event.zone_name:<20} "
                   f"track {event.track_id}  conf {event.confidence:.2f}  {event.detail}")
    s = result.summary
    typer.echo(f"{s.frames_analysed} of {s.frames_decoded} frames analysed, {s.tracks} tracks, {s.events} events")


@app.command()
def watch(
    source: Annotated[str, typer.Argument(help="RTSP/HTTP URL, or a file that is played in a loop")],
    zones_file: Annotated[Path | None, typer.Option("--zones")] = None,
    zone: Annotated[list[str] | None, typer.Option()] = None,
    max_frames: Annotated[int, typer.Option(help="stop after this many analysed frames (0: never)")] = 0,
) -> None:
    """Watch a live stream (or loop a file) and print events as they happen."""
    from vision.config import get_vision_settings
    from vision.pipeline import Analyzer
    from vision.video import VideoError

    specs = _zones(zones_file, zone)
    analyzer = Analyzer(get_vision_settings())
    count = {"n": 0}

    def progress(_done: float, frames: int) -> None:
        count["n"] = frames

    try:
        info = analyzer.open(source)
        analyzer.analyze(info, specs, loop="://" not in source, on_progress=progress,
                         on_event=lambda e, _j: typer.echo(f"{e.time_s:8.1f} s  {e.kind.value}  {e.detail}"),
                         should_stop=lambda: bool(max_frames) and count["n"] >= max_frames)
    except VideoError as exc:
        typer.echo(f"cannot watch {source}: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="stop when the queue is empty")] = False,
    max_jobs: Annotated[int, typer.Option(help="stop after this many jobs (0: never)")] = 0,
    api_url: Annotated[str | None, typer.Option(help="the backend's GraphQL URL")] = None,
    token_file: Annotated[Path | None, typer.Option(help="file holding the vision-worker device token")] = None,
    worker_id: Annotated[str | None, typer.Option(help="this worker's name in job leases")] = None,
    sample_fps: Annotated[float | None, typer.Option(help="override the mine's sampling rate")] = None,
) -> None:
    """Claim analysis jobs from the backend and run them until stopped (SIGTERM/SIGINT stop gracefully)."""
    import signal

    from vision.config import get_vision_settings
    from vision.worker import VisionWorker

    # its own process (`minesafe-vision worker`) logs as `minesafe vision worker` does (a no-op under `minesafe`)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per poll of the queue
    settings = get_vision_settings()
    updates: dict[str, object] = {}
    if api_url:
        updates["api_url"] = api_url
    if token_file is not None:
        if not token_file.is_file():
            typer.echo(f"no token file at {token_file} (minesafe seed-demo writes the demo's)", err=True)
            raise typer.Exit(2)
        updates["device_token"] = token_file.read_text().strip()
    if worker_id:
        updates["worker_id"] = worker_id
    settings = settings.model_copy(update=updates)
    if not settings.device_token:
        typer.echo("no device token: set MINESAFE_VISION_DEVICE_TOKEN or pass --token-file", err=True)
        raise typer.Exit(2)
    runner = VisionWorker(settings, sample_fps=sample_fps)

    def stop(signum: int, _frame: object) -> None:
        logger.info("signal %s: stopping after handing the current job back", signum)
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        stats = runner.run(once=once, max_jobs=max_jobs)
    finally:
        runner.client.close()
    typer.echo(f"{len(stats.outcomes)} jobs: {stats.count('DONE')} done, {stats.count('FAILED')} failed, "
               f"{stats.count('REQUEUED')} handed back, {stats.count('ABANDONED')} abandoned")
    if stats.refused:
        typer.echo(f"the backend refused this vision worker: {stats.refused}", err=True)
        raise typer.Exit(1)


@app.command()
def train(
    data: Annotated[Path, typer.Argument(help="YOLO-format data.yaml")],
    name: Annotated[str, typer.Option(help="registry name of the new detector")],
    label: Annotated[list[str], typer.Option(help="CLASS=LABEL, e.g. head_no_helmet=no_helmet")],
    epochs: Annotated[int, typer.Option()] = 50,
    imgsz: Annotated[int, typer.Option()] = 640,
    batch: Annotated[int, typer.Option()] = 16,
) -> None:
    """Fine-tune a detector from the pose checkpoint and add it to the model registry."""
    from vision.config import get_vision_settings
    from vision.train import train_detector

    classes = dict(item.split("=", 1) for item in label)
    spec = train_detector(settings=get_vision_settings(), data=data, name=name, classes=classes,
                          epochs=epochs, imgsz=imgsz, batch=batch)
    typer.echo(f"registered {spec.name}: {spec.weights} classes {spec.classes}")
