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

# person boxes in ultralytics/assets/bus.jpg (x1, y1, x2, y2), found once with yolo11n-pose
BUS_PEOPLE = {"walker": (48, 396, 245, 905), "stander": (221, 404, 343, 858)}


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
