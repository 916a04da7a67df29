"""Capture modes (resolution + frame rate) and the plain report of what a device really gives."""

from __future__ import annotations

from dataclasses import dataclass

from app.camera.devices import SourceKind

_NAMED_HEIGHTS = {(3840, 2160): "4K", (2560, 1440): "1440p", (1920, 1080): "1080p",
                  (1280, 720): "720p", (960, 540): "540p", (854, 480): "480p",
                  (640, 480): "480p", (640, 360): "360p", (1080, 1920): "竖屏1080p"}  # fmt: skip


@dataclass(frozen=True)
class Mode:
    width: int
    height: int
    fps: float

    def label(self) -> str:
        """'1080p30', '720p15', or '1366×768@30' for sizes without a common name."""
        name = _NAMED_HEIGHTS.get((self.width, self.height))
        fps = f"{self.fps:.0f}" if abs(self.fps - round(self.fps)) < 0.05 else f"{self.fps:.2f}"
        if name and not name.endswith("K"):
            return f"{name}{fps}"
        if name:
            return f"{name} {fps}fps"
        return f"{self.width}×{self.height}@{fps}"


COMMON_MODES = [
    Mode(3840, 2160, 30),
    Mode(1920, 1080, 60),
    Mode(1920, 1080, 30),
    Mode(1280, 720, 60),
    Mode(1280, 720, 30),
    Mode(640, 480, 30),
]


@dataclass(frozen=True)
class OpenReport:
    """What was asked for and what the source actually delivers after opening."""

    kind: SourceKind
    requested: Mode
    delivered: Mode
    backend: str  # OpenCV back-end name, e.g. V4L2, DSHOW, FFMPEG
    fourcc: str  # pixel format the device agreed to, e.g. MJPG, YUYV ('' if unknown)

    @property
    def matches(self) -> bool:
        r, d = self.requested, self.delivered
        return (r.width, r.height) == (d.width, d.height) and abs(r.fps - d.fps) < 0.5

    def summary(self) -> str:
        d = self.delivered
        if self.kind != "device":
            what = "视频文件" if self.kind == "file" else "网络视频流"
            return f"{what}：{d.width}×{d.height}，{d.fps:.0f} fps（按源本身的格式播放）"
        if self.matches:
            return f"要求 {self.requested.label()}，实际 {d.label()}：与要求一致"
        return f"要求 {self.requested.label()}，实际只给 {d.label()}（{d.width}×{d.height}）"
