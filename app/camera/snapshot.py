"""Save the current frame as a PNG the user can find."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from app.i18n import tr
from app.settings import data_dir


def snapshot_dir() -> Path:
    return data_dir() / "snapshots"


def save_snapshot(
    image: np.ndarray, directory: Path | None = None, stamp: float | None = None
) -> Path:
    """Write ``image`` (BGR) as ``camera-YYYYmmdd-HHMMSS.png``; returns the path."""
    directory = directory or snapshot_dir()
    directory.mkdir(parents=True, exist_ok=True)
    base = time.strftime("camera-%Y%m%d-%H%M%S", time.localtime(stamp))
    path = directory / f"{base}.png"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{base}-{n}.png"
    if not cv2.imwrite(str(path), image):
        raise OSError(tr("无法保存截图到 {path}").format(path=path))
    return path
