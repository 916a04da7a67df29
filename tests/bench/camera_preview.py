"""Camera preview benchmark: a 1080p30 clip as the camera, preview fps/CPU/lag vs raw decode.

Prints ONE JSON line. Baseline = OpenCV decoding the same file as fast as it can (same run).
Measured = the real preview path: the reader thread paced at the source's 30 fps, the newest
frame handed over on each arrival, scaled to a 960×540 display buffer and wrapped as a QImage
(Format_BGR888, no copy), picture checks at their 4 Hz. CPU% is process CPU time / wall time
over the measured window (all threads), in % of one core.
Targets: preview ≥ 95% of 30 fps, ≤ 60% of one core, ≤ 1 frame behind.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import cv2
from PySide6.QtGui import QImage

from app.camera.capture import CaptureState, FrameGrabber
from app.camera.devices import source_from_setting
from app.camera.modes import Mode
from app.camera.preview import PreviewPipeline
from app.camera.testcard import write_clip

SECONDS = 10.0
MEASURE = 8.0  # measured window, after 1 s of warm-up
DISPLAY = (960, 540)


def raw_decode_fps(path: Path) -> float:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    n = 0
    t0 = time.perf_counter()
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        n += 1
    dt = time.perf_counter() - t0
    cap.release()
    return n / dt


def preview_run(path: Path) -> dict[str, float]:
    arrived = threading.Event()
    grabber = FrameGrabber(
        source_from_setting(str(path)), Mode(1920, 1080, 30), on_frame=arrived.set
    )
    pipe = PreviewPipeline(grabber)
    grabber.start()
    images: list[QImage] = []
    shown = 0
    t_start = c_start = 0.0
    measuring = False
    warm_until = time.monotonic() + 1.0
    end = warm_until + MEASURE
    behind: list[int] = []
    try:
        while time.monotonic() < end:
            if not arrived.wait(0.5):
                continue
            arrived.clear()
            now = time.monotonic()
            if not measuring and now >= warm_until:
                measuring = True
                t_start, c_start = time.perf_counter(), time.process_time()
            s = pipe.pull(*DISPLAY, now=now)
            if s is None:
                continue
            d = s.display
            img = QImage(d.data, d.shape[1], d.shape[0], d.strides[0], QImage.Format.Format_BGR888)
            images[:] = [img]  # what a widget would paint
            if measuring:
                shown += 1
                behind.append(s.behind)
        wall = time.perf_counter() - t_start
        cpu = time.process_time() - c_start
        assert grabber.status.state is CaptureState.LIVE, grabber.status.message
    finally:
        grabber.stop()
    return {
        "preview_fps": shown / wall,
        "cpu_pct_one_core": 100.0 * cpu / wall,
        "behind_mean": statistics.fmean(behind) if behind else -1.0,
        "behind_max": float(max(behind) if behind else -1),
        "checks_done": float(len(pipe.verdicts)),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        clip = write_clip(
            Path(d) / "cam1080p30.avi", "normal", size=(1920, 1080), fps=30, seconds=SECONDS
        )
        baseline = raw_decode_fps(clip)
        r = preview_run(clip)
    source_fps = 30.0
    out = {
        "bench": "camera_preview",
        "source": "1920x1080 MJPG 30fps, 10 s",
        "display": f"{DISPLAY[0]}x{DISPLAY[1]}",
        "cpus": os.cpu_count(),
        "baseline_raw_decode_fps": round(baseline, 1),
        "preview_fps": round(r["preview_fps"], 2),
        "preview_vs_source": round(r["preview_fps"] / source_fps, 3),
        "decode_headroom_ratio": round(baseline / source_fps, 2),
        "cpu_pct_one_core": round(r["cpu_pct_one_core"], 1),
        "frames_behind_mean": round(r["behind_mean"], 3),
        "frames_behind_max": int(r["behind_max"]),
        "targets": {
            "preview_vs_source": ">=0.95",
            "cpu_pct_one_core": "<=60",
            "frames_behind_max": "<=1",
        },
        "met": bool(
            r["preview_fps"] >= 0.95 * source_fps
            and r["cpu_pct_one_core"] <= 60
            and r["behind_max"] <= 1
        ),
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
