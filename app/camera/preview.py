"""The preview pipeline between the reader thread and the screen, free of Qt so it can be measured.

Each display tick takes the newest frame only (never a queue), scales it to the display size with
``INTER_AREA`` into a contiguous BGR buffer (wrapped as ``QImage.Format_BGR888`` by ui/, no channel
swap), runs the picture checks at their own low rate, and keeps the figures the user sees: the
fps actually shown, and how many frames behind the capture the shown frame was.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from app.camera.capture import Frame, FrameGrabber
from app.camera.checks import PictureChecker, Verdict


def fit_image(image: np.ndarray, max_w: int, max_h: int) -> np.ndarray:
    """Scale ``image`` to fit max_w×max_h keeping its aspect; never upscales; contiguous BGR."""
    h, w = image.shape[:2]
    s = min(max_w / w, max_h / h, 1.0)
    if s >= 1.0:
        return np.ascontiguousarray(image)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class Shown:
    frame: Frame  # full size, for snapshots
    display: np.ndarray  # scaled for the screen, contiguous BGR
    behind: int  # frames the capture was ahead when this one was taken


class PreviewPipeline:
    def __init__(self, grabber: FrameGrabber, checker: PictureChecker | None = None) -> None:
        self.grabber = grabber
        self.checker = checker or PictureChecker()
        self.verdicts: list[Verdict] = []
        self._shown_seq = 0
        self._shown_times: deque[float] = deque(maxlen=256)
        self.behind: deque[int] = deque(maxlen=256)
        self.last: Shown | None = None

    def wanted_fps(self) -> float:
        report = self.grabber.status.report
        if report is None:
            return self.grabber.mode.fps
        return report.requested.fps if report.kind == "device" else report.delivered.fps

    def pull(self, max_w: int, max_h: int, now: float | None = None) -> Shown | None:
        """The newest frame scaled for display, or None when nothing new has arrived."""
        frame = self.grabber.newer_than(self._shown_seq)
        if frame is None:
            return None
        now = time.monotonic() if now is None else now
        behind = self.grabber.seq - frame.seq
        display = fit_image(frame.image, max_w, max_h)
        self._shown_seq = frame.seq
        self._shown_times.append(now)
        self.behind.append(behind)
        if self.checker.due(now):
            self.verdicts = self.checker.check(
                frame.image, now, self.grabber.measured_fps(now=now), self.wanted_fps()
            )
        self.last = Shown(frame, display, behind)
        return self.last

    def shown_fps(self, window: float = 2.0, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        ts = [t for t in self._shown_times if t > now - window]
        if len(ts) < 2:
            return 0.0
        return (len(ts) - 1) / max(ts[-1] - ts[0], 1e-6) if now - ts[-1] < 1.0 else 0.0
