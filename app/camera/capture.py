"""Open a source in a chosen mode and read it on its own thread, keeping only the newest frame.

The reader never queues frames: a slow consumer just skips to the newest one, so the preview can
never fall behind the camera. When the source stops delivering (unplugged, stream dropped, a file
ended) the reader says so in its status and retries with a capped back-off; it never raises.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import cv2
import numpy as np

from app.camera.devices import CameraSource
from app.camera.errors import CameraError, diagnose_open_failure
from app.camera.modes import Mode, OpenReport
from app.i18n import tr

log = logging.getLogger(__name__)

NETWORK_TIMEOUT_MS = 5000


def _fourcc_text(value: float) -> str:
    code = int(value)
    if code <= 0:
        return ""
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() else ""


def open_capture(source: CameraSource, mode: Mode) -> tuple[Any, OpenReport, np.ndarray]:
    """Open ``source`` asking for ``mode``; return the capture, the truth about it, and frame 1.

    Blocking (a camera can take seconds to open): call it from a worker thread.
    Raises :class:`CameraError` with a message for the user.
    """
    api = getattr(cv2, source.backend, cv2.CAP_ANY)
    if source.kind == "file" and not os.path.isfile(source.ref):
        raise diagnose_open_failure(source)
    if source.kind == "device":
        target: int | str = source.index if source.index is not None else source.ref
        cap = cv2.VideoCapture(target, api)
        if not cap.isOpened():
            cap.release()
            raise diagnose_open_failure(source)
        if mode.width >= 1280:  # webcams give ~5 fps above 720p in YUY2: ask for MJPG first
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, mode.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, mode.height)
        cap.set(cv2.CAP_PROP_FPS, mode.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # honoured by V4L2; others ignore it
    else:
        params = []
        if source.kind == "url":
            params = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                NETWORK_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                NETWORK_TIMEOUT_MS,
            ]
        cap = cv2.VideoCapture(source.ref, api, params)
        if not cap.isOpened():
            cap.release()
            raise diagnose_open_failure(source)
    ok, first = cap.read()
    if not ok or first is None:
        cap.release()
        raise diagnose_open_failure(source)
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)  # what the driver claims; measured later
    reported = 0 < fps <= 240
    if not reported:
        fps = mode.fps if source.kind == "device" else 30.0
    delivered = Mode(int(first.shape[1]), int(first.shape[0]), fps)
    report = OpenReport(
        kind=source.kind,
        requested=mode,
        delivered=delivered,
        backend=str(cap.getBackendName()) if hasattr(cap, "getBackendName") else "",
        fourcc=_fourcc_text(cap.get(cv2.CAP_PROP_FOURCC)),
        fps_reported=reported,
    )
    return cap, report, first


@dataclass(frozen=True)
class Frame:
    seq: int  # increases by one per frame delivered, across reconnections
    image: np.ndarray  # BGR uint8, H×W×3, never modified after hand-over
    t: float  # time.monotonic() when it was read


class CaptureState(StrEnum):
    OPENING = "opening"
    LIVE = "live"
    LOST = "lost"  # was live, stopped delivering; retrying
    FAILED = "failed"  # could not open; retrying
    STOPPED = "stopped"


@dataclass(frozen=True)
class CaptureStatus:
    state: CaptureState
    message: str
    report: OpenReport | None = None
    error: CameraError | None = None
    retry_in: float | None = None


Opener = Callable[[CameraSource, Mode], tuple[Any, OpenReport, np.ndarray]]


class FrameGrabber:
    """Reads a source on a daemon thread; ``latest()`` is always the newest frame, never a queue.

    ``on_frame`` and ``on_status`` are called on the reader thread: keep them tiny and thread-safe,
    and never let them reach a Qt object — post to the owner's :class:`app.threads.Inbox` (the
    reader may outlive its widget: ``stop`` waits only as long as it is told). ``pace`` plays files at their own frame rate (default for files);
    cameras and streams deliver at their own pace.
    """

    def __init__(
        self,
        source: CameraSource,
        mode: Mode,
        *,
        on_frame: Callable[[], None] | None = None,
        on_status: Callable[[CaptureStatus], None] | None = None,
        retry_delays: Sequence[float] = (1.0, 2.0, 3.0, 5.0),
        pace: bool | None = None,
        read_fail_limit: int = 5,
        opener: Opener = open_capture,
    ) -> None:
        self.source = source
        self.mode = mode
        self._on_frame = on_frame
        self._on_status = on_status
        self._retry_delays = tuple(retry_delays) or (1.0,)
        self._pace = source.kind == "file" if pace is None else pace
        self._read_fail_limit = read_fail_limit
        self._opener = opener
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._latest: Frame | None = None
        self._seq = 0
        self._times: deque[float] = deque(maxlen=512)
        self._live_since = 0.0
        self._status = CaptureStatus(CaptureState.STOPPED, tr("未开始"))
        self._thread: threading.Thread | None = None
        self.reconnects = 0

    # --- consumer side (any thread) ---------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="camera-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 6.0) -> None:
        self._stop.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def status(self) -> CaptureStatus:
        with self._lock:
            return self._status

    def latest(self) -> Frame | None:
        with self._lock:
            return self._latest

    def newer_than(self, seq: int) -> Frame | None:
        """The newest frame if it is newer than ``seq``, else None (nothing new to show)."""
        with self._lock:
            f = self._latest
        return f if f is not None and f.seq > seq else None

    @property
    def seq(self) -> int:
        with self._lock:
            return self._seq

    def live_for(self, now: float | None = None) -> float:
        """Seconds since the source (re)opened and went live; 0 when not live."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._status.state is not CaptureState.LIVE:
                return 0.0
            return max(0.0, now - self._live_since)

    def measured_fps(self, window: float = 2.0, now: float | None = None) -> float:
        """Frames actually delivered per second over the last ``window`` seconds.

        Measured from the frames' own times (intervals, not a count per window, which would
        read 30.5 for a steady 30); once frames stop coming, the time since the newest one
        counts too, so the rate falls towards 0 instead of staying at its last value.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._status.state is not CaptureState.LIVE:
                return 0.0
            ts = [t for t in self._times if t > now - window]
        if len(ts) < 2 or ts[-1] - ts[0] < 0.25:
            return 0.0
        covered = ts[-1] - ts[0]
        interval = covered / (len(ts) - 1)
        span = max(covered, now - ts[0] - interval)  # one interval of grace after the newest
        return (len(ts) - 1) / span

    # --- reader thread ----------------------------------------------------------------------
    def _set_status(self, status: CaptureStatus) -> None:
        with self._lock:
            self._status = status
            if status.state is CaptureState.LIVE:
                self._live_since = time.monotonic()
                self._times.clear()
        log.info("camera %s: %s — %s", self.source.label, status.state, status.message)
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("camera status callback failed")

    def _publish(self, image: np.ndarray) -> None:
        now = time.monotonic()
        with self._lock:
            self._seq += 1
            self._latest = Frame(self._seq, image, now)
            self._times.append(now)
        if self._on_frame is not None:
            try:
                self._on_frame()
            except Exception:
                log.exception("camera frame callback failed")

    def _delay(self, failures: int) -> float:
        return self._retry_delays[min(failures, len(self._retry_delays)) - 1]

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            opening = (
                tr("正在打开「{name}」…（第 {n} 次重试）").format(
                    name=self.source.label, n=failures
                )
                if failures
                else tr("正在打开「{name}」…").format(name=self.source.label)
            )
            self._set_status(CaptureStatus(CaptureState.OPENING, opening))
            try:
                cap, report, first = self._opener(self.source, self.mode)
            except Exception as exc:
                err = (
                    exc
                    if isinstance(exc, CameraError)
                    else CameraError(
                        "unknown", tr("打不开「{name}」：{e}").format(name=self.source.label, e=exc)
                    )
                )
                failures += 1
                delay = self._delay(failures)
                self._set_status(
                    CaptureStatus(
                        CaptureState.FAILED,
                        tr("{error} {delay:.0f} 秒后自动重试…").format(
                            error=err.message, delay=delay
                        ),
                        error=err,
                        retry_in=delay,
                    )
                )
                self._stop.wait(delay)
                continue
            if failures:
                self.reconnects += 1
            failures = 0
            self._set_status(CaptureStatus(CaptureState.LIVE, report.summary(), report=report))
            try:
                reason = self._pump(cap, report, first)
            except Exception as exc:  # a back-end blowing up mid-read is a lost camera too
                log.exception("camera read failed")
                reason = tr("读取画面出错：{e}").format(e=exc)
            finally:
                cap.release()
            if self._stop.is_set():
                break
            failures = 1
            delay = self._delay(failures)
            self._set_status(
                CaptureStatus(
                    CaptureState.LOST,
                    tr("{error} {delay:.0f} 秒后自动重试…").format(error=reason, delay=delay),
                    report=report,
                    retry_in=delay,
                )
            )
            self._stop.wait(delay)
        self._set_status(CaptureStatus(CaptureState.STOPPED, tr("预览已停止")))

    def _pump(self, cap: Any, report: OpenReport, first: np.ndarray) -> str | None:
        """Read until stopped (returns None) or the source stops delivering (returns why)."""
        period = 1.0 / report.delivered.fps if self._pace else 0.0
        next_t = time.monotonic()
        self._publish(first)
        bad = 0
        while not self._stop.is_set():
            ok, image = cap.read()
            if not ok or image is None:
                if self.source.kind == "file":
                    return tr("视频文件已播放到结尾（按摄像头断开处理）。")
                bad += 1
                if bad >= self._read_fail_limit:
                    if self.source.kind == "url":
                        return tr("视频流中断：网络断开或手机停止了推流。")
                    return tr("画面中断：摄像头被拔出或连接断开。")
                self._stop.wait(0.05)
                continue
            bad = 0
            if period:
                next_t += period
                wait = next_t - time.monotonic()
                if wait > 0:
                    if self._stop.wait(wait):
                        break
                elif wait < -2 * period:  # fell behind (machine busy): don't burst to catch up
                    next_t = time.monotonic()
            self._publish(image)
        return None
