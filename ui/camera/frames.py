"""OpenCV frames to Qt without copies or channel swaps (see recipes: "Camera frames to Qt")."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(bgr: np.ndarray) -> QImage:
    """Wrap a contiguous BGR uint8 frame as QImage.Format_BGR888 (no copy, no channel reversal).

    The QImage points into ``bgr``: keep the array alive as long as the image is used.
    """
    if not bgr.flags.c_contiguous:
        bgr = np.ascontiguousarray(bgr)
    h, w = bgr.shape[:2]
    return QImage(bgr.data, w, h, int(bgr.strides[0]), QImage.Format.Format_BGR888)
