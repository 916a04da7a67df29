"""A generated studio test card, as frames or as a video file that stands in for a camera.

Used by the demo mode, the tests and the benchmark: a scene with a background gradient,
coloured "products", fine detail for the focus check and a moving ball, plus variants that
break one thing each (too bright, too dark, blurred, colour cast, frozen, black).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import cv2
import numpy as np

Variant = Literal["normal", "bright", "dark", "blurred", "cast", "frozen", "black"]


def _background(w: int, h: int) -> np.ndarray:
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    img = np.empty((h, w, 3), np.float32)
    img[..., 0] = 112 + 30 * x + 0 * y  # B
    img[..., 1] = 118 + 22 * y + 0 * x  # G
    img[..., 2] = 118 + 30 * (1 - x) + 0 * y  # R
    return img.clip(0, 255).astype(np.uint8)


def scene(w: int, h: int, t: float) -> np.ndarray:
    """One frame of the test card at time ``t`` seconds (BGR)."""
    img = _background(w, h)
    s = min(w, h) / 180.0
    # "products" on a table
    cv2.rectangle(img, (0, int(h * 0.72)), (w, h), (88, 92, 96), -1)
    boxes = [((0.08, 0.42), (0.24, 0.74), (40, 40, 200)), ((0.28, 0.50), (0.40, 0.74), (60, 170, 60)),
             ((0.62, 0.38), (0.76, 0.74), (190, 120, 40)), ((0.80, 0.52), (0.92, 0.74), (30, 200, 230))]  # fmt: skip
    for (x0, y0), (x1, y1), colour in boxes:
        cv2.rectangle(img, (int(x0 * w), int(y0 * h)), (int(x1 * w), int(y1 * h)), colour, -1)
        cv2.rectangle(
            img,
            (int(x0 * w), int(y0 * h)),
            (int(x1 * w), int(y1 * h)),
            (20, 20, 20),
            max(1, int(s)),
        )
    # fine detail (a price-tag of stripes and a checker), what focus is judged on
    step = max(2, int(3 * s))
    for i in range(int(0.44 * w), int(0.58 * w), 2 * step):
        cv2.line(img, (i, int(0.2 * h)), (i, int(0.34 * h)), (15, 15, 15), max(1, step // 2))
    cx0, cy0 = int(0.44 * w), int(0.38 * h)
    for r in range(6):
        for c in range(8):
            if (r + c) % 2 == 0:
                x, y = cx0 + c * step * 2, cy0 + r * step * 2
                cv2.rectangle(
                    img, (x, y), (x + 2 * step - 1, y + 2 * step - 1), (245, 245, 245), -1
                )
    # the presenter's "head": a ball that moves, so the picture is alive
    cx = int(w * (0.5 + 0.3 * np.sin(t * 1.7)))
    cy = int(h * (0.2 + 0.05 * np.cos(t * 2.3)))
    cv2.circle(img, (cx, cy), int(16 * s), (120, 170, 225), -1)
    cv2.circle(img, (cx, cy), int(16 * s), (40, 60, 90), max(1, int(s)))
    return img


def apply_variant(img: np.ndarray, variant: Variant) -> np.ndarray:
    if variant == "bright":
        return np.clip(img.astype(np.float32) * 2.6 + 40, 0, 255).astype(np.uint8)
    if variant == "dark":
        return (img.astype(np.float32) * 0.18).astype(np.uint8)
    if variant == "blurred":
        k = max(3, (img.shape[1] // 40) | 1)
        return cv2.GaussianBlur(img, (k, k), 0)
    if variant == "cast":
        f = img.astype(np.float32)
        f[..., 0] *= 1.45  # more blue
        f[..., 2] *= 0.70  # less red: a cold, blue picture
        return f.clip(0, 255).astype(np.uint8)
    if variant == "black":
        return np.zeros_like(img)
    return img


def frame(w: int, h: int, t: float, variant: Variant = "normal") -> np.ndarray:
    if variant == "frozen":
        t = 0.0
    return apply_variant(scene(w, h, t), variant)


def write_clip(
    path: Path,
    variant: Variant = "normal",
    size: tuple[int, int] = (320, 180),
    fps: float = 30.0,
    seconds: float = 2.0,
    fourcc: str = "MJPG",
) -> Path:
    """Write a test clip (MJPG in .avi decodes fast and exactly repeats frozen frames)."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, (w, h))
    if not writer.isOpened():
        raise OSError(f"cannot write {path} with {fourcc}")
    try:
        for i in range(max(1, round(fps * seconds))):
            writer.write(frame(w, h, i / fps, variant))
    finally:
        writer.release()
    return path
