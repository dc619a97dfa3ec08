"""Synthetic test videos built from the real photographs of people that ultralytics ships.

People are cut out of bus.jpg with GrabCut, composited onto a roadway-like background, walked
across the frame into a zone and then rotated to lie down.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT, FPS = 640, 360, 10

# person boxes in ultralytics/assets/bus.jpg (x1, y1, x2, y2), found once with yolo11n-pose; their bottom
# edges are the soles (the ankle keypoints are 40-50 px higher)
BUS_PEOPLE = {"walker": (48, 396, 245, 905), "stander": (221, 404, 343, 858)}
BUS_ALL_PEOPLE = {**BUS_PEOPLE, "edge": (0, 432, 68, 907), "right": (669, 388, 810, 878)}


def assets_dir() -> Path:
    spec = importlib.util.find_spec("ultralytics")  # not imported here: vision.offline does that
    assert spec is not None and spec.submodule_search_locations
    return Path(spec.submodule_search_locations[0]) / "assets"


@dataclass
class Cutout:
    """A person image (BGR) and its mask (0/255), tightly cropped."""

    image: np.ndarray
    mask: np.ndarray


def cut_person(photo: np.ndarray, box: tuple[int, int, int, int], height: int) -> Cutout:
    """Cut a person out of a photo with GrabCut and scale it to `height` pixels."""
    x1, y1, x2, y2 = box
    pad = 12
    h, w = photo.shape[:2]
    X1, Y1, X2, Y2 = max(x1 - pad, 0), max(y1 - pad, 0), min(x2 + pad, w), min(y2 + pad, h)
    crop = photo[Y1:Y2, X1:X2].copy()
    mask = np.zeros(crop.shape[:2], np.uint8)
    rect = (x1 - X1, y1 - Y1, max(x2 - x1 - 1, 1), max(y2 - y1 - 1, 1))
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(7)
    cv2.grabCut(crop, mask, rect, bgd, fgd, 3, cv2.GC_INIT_WITH_RECT)
    person = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    ys, xs = np.nonzero(person)
    rows, cols = slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1)
    crop, person = crop[rows, cols], person[rows, cols]
    scale = height / crop.shape[0]
    size = (max(int(crop.shape[1] * scale), 1), height)
    return Cutout(cv2.resize(crop, size, interpolation=cv2.INTER_AREA),
                  cv2.resize(person, size, interpolation=cv2.INTER_NEAREST))


def rotate(cut: Cutout, degrees: float) -> Cutout:
    """The cutout turned by `degrees` (positive = clockwise) on an enlarged canvas, cropped to the person."""
    h, w = cut.image.shape[:2]
    side = int(np.hypot(h, w)) + 2
    canvas = np.zeros((side, side, 3), np.uint8)
    mask = np.zeros((side, side), np.uint8)
    ox, oy = (side - w) // 2, (side - h) // 2
    canvas[oy:oy + h, ox:ox + w], mask[oy:oy + h, ox:ox + w] = cut.image, cut.mask
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), -degrees, 1.0)
    canvas = cv2.warpAffine(canvas, matrix, (side, side), flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(mask, matrix, (side, side), flags=cv2.INTER_NEAREST)
    ys, xs = np.nonzero(mask)
    rows, cols = slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1)
    return Cutout(canvas[rows, cols], mask[rows, cols])


def paste(frame: np.ndarray, cut: Cutout, foot_x: int, foot_y: int) -> None:
    """Composite the cutout so that its bottom centre stands at (foot_x, foot_y)."""
    h, w = cut.image.shape[:2]
    x1, y1 = foot_x - w // 2, foot_y - h
    fx1, fy1, fx2, fy2 = max(x1, 0), max(y1, 0), min(x1 + w, frame.shape[1]), min(y1 + h, frame.shape[0])
    if fx1 >= fx2 or fy1 >= fy2:
        return
    part = cut.image[fy1 - y1:fy2 - y1, fx1 - x1:fx2 - x1]
    alpha = (cut.mask[fy1 - y1:fy2 - y1, fx1 - x1:fx2 - x1, None] / 255.0)
    region = frame[fy1:fy2, fx1:fx2]
    frame[fy1:fy2, fx1:fx2] = (alpha * part + (1 - alpha) * region).astype(np.uint8)


def background(width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """A dim roadway: a vertical gradient with fixed noise and a floor line."""
    rng = np.random.default_rng(3)
    grad = np.linspace(60, 120, height, dtype=np.float32)[:, None, None]
    img = np.repeat(np.repeat(grad, width, axis=1), 3, axis=2)
    img += rng.normal(0, 6, img.shape).astype(np.float32)
    img[int(height * 0.9):, :, :] *= 0.7
    return np.clip(img, 0, 255).astype(np.uint8)


def write_scene_video(path: Path, *, fourcc: str = "mp4v", frames: int = 70) -> dict[str, object]:
    """Write the test scene and return its timeline.

    A walker enters from the left and walks into the right-hand third of the frame (frames
    0-29), stands there (30-39), falls over within 8 frames (40-47) and lies still (48-). A
    second person stands near the left edge all the time.
    """
    photo = cv2.imread(str(assets_dir() / "bus.jpg"))
    walker = cut_person(photo, BUS_PEOPLE["walker"], 200)
    stander = cut_person(photo, BUS_PEOPLE["stander"], 190)
    base = background()
    floor = int(HEIGHT * 0.93)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path} with {fourcc}")
    walker_x = []
    for i in range(frames):
        frame = base.copy()
        paste(frame, stander, 70, floor)
        x = int(180 + (500 - 180) * min(i, 29) / 29)
        angle = 0.0 if i < 40 else min((i - 39) / 8, 1.0) * 90.0
        paste(frame, rotate(walker, angle) if angle else walker, x, floor)
        walker_x.append(x)
        writer.write(frame)
    writer.release()
    return {"fps": FPS, "frames": frames, "walker_x": walker_x, "fall_start_s": 4.0, "fall_end_s": 4.8}


@dataclass
class Pan:
    """A video of crop windows moving across bus.jpg, and where each window was."""

    path: Path
    fps: int
    size: tuple[int, int]
    windows: list[tuple[float, float, float, float]]  # x, y, width, height in bus.jpg, per frame

    def box_in_frame(self, index: int, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A bus.jpg box in frame `index`'s pixels (not clipped)."""
        x, y, w, h = self.windows[index]
        sx, sy = self.size[0] / w, self.size[1] / h
        return ((box[0] - x) * sx, (box[1] - y) * sy, (box[2] - x) * sx, (box[3] - y) * sy)

    def people(self, index: int, *, visible: float = 0.4) -> dict[str, tuple[float, float, float, float]]:
        """The bus.jpg people in frame `index` (clipped boxes) with at least `visible` of their width inside."""
        out = {}
        for name, box in BUS_ALL_PEOPLE.items():
            x1, y1, x2, y2 = self.box_in_frame(index, box)
            clipped = (max(x1, 0), max(y1, 0), min(x2, self.size[0]), min(y2, self.size[1]))
            if clipped[2] - clipped[0] >= visible * (x2 - x1) and clipped[3] > clipped[1]:
                out[name] = clipped
        return out


def write_pan_video(path: Path, *, seconds: float, x_from: float, x_to: float, y: float = 560,
                    window: tuple[int, int] = (480, 360), size: tuple[int, int] = (640, 480), fps: int = 25) -> Pan:
    """A robot camera panning across the street of bus.jpg: `window`-sized crops from x_from to x_to (at height y),
    scaled to `size`, encoded with OpenCV (mp4v). The people are real; the camera moves, they do not."""
    photo = cv2.imread(str(assets_dir() / "bus.jpg"))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"cannot write {path}")
    count = round(seconds * fps)
    windows = []
    for i in range(count):
        x = x_from + (x_to - x_from) * i / max(count - 1, 1)
        sx, sy = size[0] / window[0], size[1] / window[1]
        matrix = np.float32([[sx, 0, -x * sx], [0, sy, -y * sy]])
        writer.write(cv2.warpAffine(photo, matrix, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE))
        windows.append((x, y, float(window[0]), float(window[1])))
    writer.release()
    return Pan(path=path, fps=fps, size=size, windows=windows)


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union > 0 else 0.0
