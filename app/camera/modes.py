"""Capture modes (resolution + frame rate) and the plain report of what a device really gives."""

from __future__ import annotations

from dataclasses import dataclass

from app.camera.devices import SourceKind
from app.i18n import tr

# The delivered rate is told next to the claim when it differs by more than this share of it.
MEASURED_FPS_DIFFERS = 0.10

_NAMED_HEIGHTS = {(3840, 2160): "4K", (2560, 1440): "1440p", (1920, 1080): "1080p",
                  (1280, 720): "720p", (960, 540): "540p", (854, 480): "480p",
                  (640, 480): "480p", (640, 360): "360p", (1080, 1920): "竖屏1080p"}  # fmt: skip


def fps_text(fps: float) -> str:
    """'30' for whole rates, '29.97' otherwise."""
    return f"{fps:.0f}" if abs(fps - round(fps)) < 0.05 else f"{fps:.2f}"


@dataclass(frozen=True)
class Mode:
    width: int
    height: int
    fps: float

    def label(self) -> str:
        """'1080p30', '720p15', or '1366×768@30' for sizes without a common name."""
        name = _NAMED_HEIGHTS.get((self.width, self.height))
        if name == "竖屏1080p":
            name = tr("竖屏1080p")
        fps = fps_text(self.fps)
        if name and not name.endswith("K"):
            return f"{name}{fps}"
        if name:
            return f"{name} {fps}fps"
        return f"{self.width}×{self.height}@{fps}"


@dataclass(frozen=True)
class OpenReport:
    """What was asked for and what the source actually delivers after opening.

    ``delivered.fps`` is what the driver (or the file's header) claims; the rate frames really
    arrive at is measured while reading and given to :meth:`summary` once known.
    """

    kind: SourceKind
    requested: Mode
    delivered: Mode
    backend: str  # OpenCV back-end name, e.g. V4L2, DSHOW, FFMPEG
    fourcc: str  # pixel format the device agreed to, e.g. MJPG, YUYV ('' if unknown)
    fps_reported: bool = True  # False: the driver gave no rate, delivered.fps is a stand-in

    @property
    def matches(self) -> bool:
        r, d = self.requested, self.delivered
        return (r.width, r.height) == (d.width, d.height) and abs(r.fps - d.fps) < 0.5

    def measured_differs(
        self, measured: float | None, tolerance: float = MEASURED_FPS_DIFFERS
    ) -> bool:
        """True when the measured rate is off the claimed one by more than ``tolerance`` (a share
        of the claim), or when nothing was claimed."""
        if measured is None or measured <= 0:
            return False
        if not self.fps_reported:
            return True
        claimed = self.delivered.fps
        return abs(measured - claimed) > tolerance * claimed

    def summary(self, measured_fps: float | None = None) -> str:
        """The plain truth, e.g. "要求 1080p30，实际只给 720p15 (1280×720)"; with ``measured_fps``
        (frames per second really delivered) it is told too when it differs from the claim."""
        d, asked = self.delivered, self.requested.label()
        if self.measured_differs(measured_fps):
            return self._measured_summary(float(measured_fps or 0.0))
        if self.kind != "device":
            if self.kind == "file":
                return tr("视频文件：{w}×{h}，{fps:.0f} fps（按源本身的格式播放）").format(
                    w=d.width, h=d.height, fps=d.fps
                )
            return tr("网络视频流：{w}×{h}，{fps:.0f} fps（按源本身的格式播放）").format(
                w=d.width, h=d.height, fps=d.fps
            )
        if self.matches:
            return tr("要求 {asked}，实际 {got}：与要求一致").format(asked=asked, got=d.label())
        return tr("要求 {asked}，实际只给 {got}（{w}×{h}）").format(
            asked=asked, got=d.label(), w=d.width, h=d.height
        )

    def _measured_summary(self, measured: float) -> str:
        d, r = self.delivered, self.requested
        claimed, asked = fps_text(d.fps), r.label()
        if self.kind == "file":
            if not self.fps_reported:
                return tr("视频文件：{w}×{h}，文件未标明帧率，实测 {fps:.1f} fps").format(
                    w=d.width, h=d.height, fps=measured
                )
            return tr("视频文件：{w}×{h}，文件标称 {claimed} fps，实测 {fps:.1f} fps").format(
                w=d.width, h=d.height, claimed=claimed, fps=measured
            )
        if self.kind == "url":
            if not self.fps_reported:
                return tr("网络视频流：{w}×{h}，流未标明帧率，实测 {fps:.1f} fps").format(
                    w=d.width, h=d.height, fps=measured
                )
            return tr("网络视频流：{w}×{h}，流标称 {claimed} fps，实测 {fps:.1f} fps").format(
                w=d.width, h=d.height, claimed=claimed, fps=measured
            )
        same_size = (r.width, r.height) == (d.width, d.height)
        if not self.fps_reported:
            if same_size:
                return tr("要求 {asked}，设备未报告帧率，实测 {fps:.1f} fps").format(
                    asked=asked, fps=measured
                )
            return tr("要求 {asked}，实际只给 {w}×{h}，设备未报告帧率，实测 {fps:.1f} fps").format(
                asked=asked, w=d.width, h=d.height, fps=measured
            )
        if same_size:
            return tr("要求 {asked}，设备声称 {claimed} fps，实测 {fps:.1f} fps").format(
                asked=asked, claimed=claimed, fps=measured
            )
        return tr(
            "要求 {asked}，实际只给 {w}×{h}，设备声称 {claimed} fps，实测 {fps:.1f} fps"
        ).format(asked=asked, w=d.width, h=d.height, claimed=claimed, fps=measured)
