"""The preview pipeline between the reader thread and the screen, free of Qt so it can be measured.

Each display tick takes the newest frame only (never a queue), scales it to the display size with
``INTER_AREA`` into a contiguous BGR buffer (wrapped as ``QImage.Format_BGR888`` by ui/, no channel
swap), runs the picture checks at their own low rate, and keeps the figures the user sees: the
fps actually shown, and how many frames behind the capture the shown frame was.

A display timer also calls :meth:`PreviewPipeline.check_stall` (verdicts say so when the source
stops delivering without an error) and :meth:`PreviewPipeline.report_text` (the open report with
the frame rate really delivered, once it has been measured for a while).
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from app.camera.capture import CaptureState, Frame, FrameGrabber
from app.camera.checks import STALL_AFTER, PictureChecker, Verdict, stalled_verdicts
from app.camera.modes import MEASURED_FPS_DIFFERS

MEASURE_AFTER = 2.0  # s live before the delivered rate is measured well enough to report
QUIET_AFTER = 0.5  # s without a frame: the rate is not re-measured until frames flow again


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
        self.stalled = False  # no new frame for more than STALL_AFTER s
        self._told_measured = False
        self._flowing_since: float | None = None  # frames coming without a gap since then

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
        self.stalled = False
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

    def stalled_for(self, now: float | None = None) -> float:
        """Seconds since the source last delivered a frame (0 before the first one)."""
        f = self.grabber.latest()
        if f is None:
            return 0.0
        now = time.monotonic() if now is None else now
        return max(0.0, now - f.t)

    def check_stall(self, now: float | None = None) -> bool:
        """Call it on a timer: checks run only when frames arrive, so without this the verdicts
        of the last picture would stay up after the source stopped. Returns True when the
        verdicts changed (they now say how long there has been no picture)."""
        still = self.stalled_for(now)
        if still <= STALL_AFTER:
            return False
        if not self.stalled:
            self.stalled = True
            self.checker.reset()  # the next picture is judged afresh, not against the old one
        self.verdicts = stalled_verdicts(still, self.wanted_fps())
        return True

    def report_text(self, now: float | None = None) -> str | None:
        """What the source delivers, in words; with the measured frame rate once the source has
        been live for MEASURE_AFTER s and that rate is materially off the claimed one.
        None while not live or while frames have stopped coming (what was shown stays)."""
        status = self.grabber.status
        report = status.report
        if status.state is not CaptureState.LIVE or report is None:
            return None
        now = time.monotonic() if now is None else now
        if self.stalled_for(now) > QUIET_AFTER:  # a gap is not a rate: keep what was said
            self._flowing_since = None
            return None
        if self._flowing_since is None:
            self._flowing_since = now
        flowing = min(self.grabber.live_for(now), now - self._flowing_since)
        measured: float | None = None
        if flowing >= MEASURE_AFTER:  # the measuring window holds no gap
            newest = self.grabber.latest()
            # up to the newest frame: a gap just starting does not read as a low rate
            got = self.grabber.measured_fps(
                window=MEASURE_AFTER, now=newest.t if newest is not None else now
            )
            # told once, it stays told until the rate is clearly back to the claim (no flicker)
            tolerance = MEASURED_FPS_DIFFERS / 2 if self._told_measured else MEASURED_FPS_DIFFERS
            if report.measured_differs(got, tolerance):
                measured = got
        self._told_measured = measured is not None
        return report.summary(measured)

    @property
    def report_warns(self) -> bool:
        """The report tells of less than asked: a smaller or slower device mode, or a measured
        rate off the claim (the dialog shows it in a warning colour)."""
        report = self.grabber.status.report
        if report is None:
            return False
        return self._told_measured or (report.kind == "device" and not report.matches)

    def shown_fps(self, window: float = 2.0, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        ts = [t for t in self._shown_times if t > now - window]
        if len(ts) < 2:
            return 0.0
        return (len(ts) - 1) / max(ts[-1] - ts[0], 1e-6) if now - ts[-1] < 1.0 else 0.0
