"""A USB camera stand-in at the OpenCV boundary (tests only): ``cv2.VideoCapture`` for a device
plays a generated clip, claims a frame rate through CAP_PROP_FPS like a V4L2 driver does, and
delivers frames at its own, possibly lower, rate; it can stop delivering without any read error.

Everything above ``cv2.VideoCapture`` (open_capture, FrameGrabber, the pipeline, the dialog) is
the real code.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from app.camera.devices import CameraSource

REAL_CAPTURE = cv2.VideoCapture
FAKE_DEVICE = CameraSource("device", "/dev/video42", "Fake USB Camera (/dev/video42)", "CAP_V4L2")


class FakeCamera:
    """What ``cv2.VideoCapture(device, CAP_V4L2)`` returns while installed."""

    clip: Path
    claimed_fps = 30.0  # CAP_PROP_FPS: what the driver says
    deliver_fps = 30.0  # what really comes out
    stalled = threading.Event()  # set: read() blocks, as a camera that stopped sending

    def __init__(self, target: Any, api: int | None = None, *args: Any) -> None:
        self._cap = REAL_CAPTURE(str(self.clip), cv2.CAP_FFMPEG)
        self._next = time.monotonic()

    def isOpened(self) -> bool:
        return bool(self._cap.isOpened())

    def set(self, prop: int, value: float) -> bool:
        return False  # the camera keeps its own mode, whatever is asked

    def get(self, prop: int) -> float:
        if prop == cv2.CAP_PROP_FPS:
            return self.claimed_fps
        if prop == cv2.CAP_PROP_FOURCC:
            return float(cv2.VideoWriter.fourcc(*"MJPG"))
        return float(self._cap.get(prop))

    def getBackendName(self) -> str:
        return "V4L2"

    def read(self) -> tuple[bool, np.ndarray | None]:
        while self.stalled.is_set():  # no frame, no error: the read just does not return
            time.sleep(0.02)
            self._next = time.monotonic()
        self._next += 1.0 / self.deliver_fps
        wait = self._next - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        ok, image = self._cap.read()
        if not ok:  # a camera never ends: loop the clip
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, image = self._cap.read()
        return ok, image

    def release(self) -> None:
        self._cap.release()


def install_fake_camera(
    monkeypatch: pytest.MonkeyPatch, clip: Path, *, claimed_fps: float, deliver_fps: float
) -> type[FakeCamera]:
    """Make FAKE_DEVICE a camera playing ``clip``; returns the class to steer it (``stalled``)."""

    class Cam(FakeCamera):
        pass

    Cam.clip, Cam.claimed_fps, Cam.deliver_fps = clip, claimed_fps, deliver_fps
    Cam.stalled = threading.Event()
    cam = Cam
    monkeypatch.setattr(
        cv2, "VideoCapture", lambda *a: cam(*a) if _is_fake(a) else REAL_CAPTURE(*a)
    )
    return cam


def _is_fake(args: tuple[Any, ...]) -> bool:
    return bool(args) and isinstance(args[0], str) and args[0] == FAKE_DEVICE.ref
