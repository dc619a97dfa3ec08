"""Import ultralytics only after it has been told to stay offline and write under our folders.

Ultralytics otherwise checks for updates, downloads fonts and weights, pip-installs missing
packages and writes settings into the home directory. Every module in vision/ gets ultralytics
through `ultralytics_module()` so that this happens in one place.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from types import ModuleType

logger = logging.getLogger(__name__)

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


def _find_font() -> Path | None:
    """A TrueType font to stand in for the Arial.ttf that ultralytics would download."""
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    try:
        import matplotlib

        font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        if font.is_file():
            return font
    except ImportError:
        pass
    try:
        import PIL

        for font in Path(PIL.__file__).parent.rglob("*.ttf"):
            return font
    except ImportError:
        pass
    return None


def prepare_offline(config_dir: Path) -> None:
    """Set the environment ultralytics reads at import time. Idempotent."""
    config_dir = config_dir.resolve()
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "False"
    os.environ.setdefault("YOLO_VERBOSE", "False")
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        target = config_dir / name
        if not target.exists():
            font = _find_font()
            if font is None:
                logger.warning("no TrueType font found; ultralytics may try to download %s", name)
                break
            shutil.copyfile(font, target)


def ultralytics_module(cache_dir: Path) -> ModuleType:
    """The ultralytics package, imported offline with its config under `cache_dir/ultralytics`."""
    prepare_offline(cache_dir / "ultralytics")
    import ultralytics
    from ultralytics.utils import SETTINGS

    updates = {"sync": False, "hub": False, "clearml": False, "comet": False, "dvc": False,
               "mlflow": False, "neptune": False, "raytune": False, "tensorboard": False, "wandb": False}
    current = {key: SETTINGS.get(key) for key in updates if key in SETTINGS}
    wanted = {key: value for key, value in updates.items() if key in SETTINGS and current[key] != value}
    if wanted:
        SETTINGS.update(wanted)
    return ultralytics
