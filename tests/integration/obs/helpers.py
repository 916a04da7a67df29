"""Pixel helpers for OBS screenshots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QImage

from app.overlays.layout import Box


@dataclass
class RtmpServer:
    """A real RTMP server for OBS to stream to (the ``rtmp_server`` fixture)."""

    port: int
    url: str  # rtmp://127.0.0.1:<port>/live
    pid: int = 0  # nginx (SIGSTOP it to stall the link)


def to_array(image: QImage) -> np.ndarray:
    """RGBA uint8 array (H, W, 4) of a QImage."""
    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w = img.height(), img.width()
    buf = np.frombuffer(img.constBits(), np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, img.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()


def png_array(data: bytes) -> np.ndarray:
    image = QImage.fromData(data)
    assert not image.isNull(), "not a PNG"
    return to_array(image)


def crop(a: np.ndarray, b: Box) -> np.ndarray:
    return a[b.y : b.y + b.height, b.x : b.x + b.width]


def composite(card: np.ndarray, under: np.ndarray) -> np.ndarray:
    """What OBS should show: the (straight-alpha) card drawn over what was under it."""
    alpha = card[..., 3:4].astype(np.float32) / 255.0
    out = card[..., :3].astype(np.float32) * alpha + under[..., :3].astype(np.float32) * (1 - alpha)
    return out


def mean_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a[..., :3].astype(np.float32) - b[..., :3].astype(np.float32)).mean())


def scaled(b: Box, factor: float) -> Box:
    """``b`` on a screenshot taken at ``factor`` × the canvas size (inner pixels only)."""
    x0, y0 = int(b.x * factor) + 1, int(b.y * factor) + 1
    x1, y1 = int((b.x + b.width) * factor) - 1, int((b.y + b.height) * factor) - 1
    return Box(x0, y0, x1 - x0, y1 - y0)


def shrink(a: np.ndarray, width: int, height: int) -> np.ndarray:
    """``a`` resized to width × height (area average), float32 RGB."""
    import cv2

    return cv2.resize(a[..., :3].astype(np.float32), (width, height), interpolation=cv2.INTER_AREA)
