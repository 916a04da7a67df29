"""The chosen camera as an OBS input: input kind + settings, per OS (pure functions). The one
mapping from a camera (app.camera: devices and modes) to OBS, used by the scene set-up and by
"use this camera in OBS" alike.

Setting keys follow OBS's own plugins: linux-v4l2 (``v4l2_input``), win-dshow (``dshow_input``),
mac-avcapture (``macos-avcapture`` in OBS 30+, ``av_capture_input`` before), and obs-ffmpeg's
``ffmpeg_source`` for a media file or a network stream.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from app.camera.devices import CameraSource, source_from_setting
from app.camera.modes import Mode
from app.i18n import tr
from app.obs.names import CAMERA

V4L2_PIX_FMT_MJPEG = 0x47504A4D  # fourcc 'MJPG'


@dataclass(frozen=True)
class ObsInputSpec:
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    name: str = CAMERA  # the input the scene set-up places in its scenes
    note: str = ""  # what the user may still have to do in OBS, if anything


def v4l2_pack(a: int, b: int) -> int:
    """OBS linux-v4l2 packs (width, height) and (numerator, denominator) into one int."""
    return (a << 16) | (b & 0xFFFF)


def dshow_frame_interval(fps: float) -> int:
    """DirectShow frame interval in 100 ns units."""
    return round(10_000_000 / fps)


def obs_input_for(
    source: CameraSource,
    mode: Mode,
    platform: str = sys.platform,
    device_name: str | None = None,
    macos_obs30: bool = True,
) -> ObsInputSpec:
    """Map ``source`` opened in ``mode`` to the OBS input that shows the same picture."""
    if source.kind == "file":
        return ObsInputSpec(
            "ffmpeg_source",
            {
                "is_local_file": True,
                "local_file": source.ref,
                "looping": True,
                "restart_on_activate": True,
            },
        )
    if source.kind == "url":
        return ObsInputSpec(
            "ffmpeg_source",
            {
                "is_local_file": False,
                "input": source.ref,
                "input_format": "",
                "reconnect_delay_sec": 2,
                "restart_on_activate": True,
                "close_when_inactive": False,
            },
        )
    fps = max(1, round(mode.fps))
    if platform.startswith("linux"):
        return ObsInputSpec(
            "v4l2_input",
            {
                "device_id": source.ref,
                "input": 0,
                "pixelformat": V4L2_PIX_FMT_MJPEG if mode.width >= 1280 else -1,
                "resolution": v4l2_pack(mode.width, mode.height),
                "framerate": v4l2_pack(1, fps),  # a frame interval: 1/fps s
                "buffering": False,
                "auto_reset": True,
            },
        )
    name = device_name or source.label
    if platform == "win32":
        return ObsInputSpec(
            "dshow_input",
            {
                # OBS stores "name:path"; OpenCV knows only the index, OBS then matches by name
                "video_device_id": f"{name}:",
                "res_type": 1,  # custom resolution/fps
                "resolution": f"{mode.width}x{mode.height}",
                "frame_interval": dshow_frame_interval(mode.fps),
                "buffering": 2,  # off
            },
            note=tr("如 OBS 里摄像头显示为空，请在 OBS 的来源属性中重新选择一次设备。"),
        )
    if platform == "darwin":
        kind = "macos-avcapture" if macos_obs30 else "av_capture_input"
        return ObsInputSpec(
            kind,
            {
                "device_name": name,
                "use_preset": False,
                "resolution": f'{{"width":{mode.width},"height":{mode.height}}}',
                "frame_rate": {"numerator": fps, "denominator": 1},
            },
            note=tr(
                "macOS 上 OpenCV 只知道摄像头序号：请在 OBS 的来源属性中确认选中的是同一个设备。"
            ),
        )
    raise ValueError(f"no OBS camera input known for platform {platform!r}")


DEVICE_KEYS = {
    "v4l2_input": "device_id",
    "dshow_input": "video_device_id",
    "macos-avcapture": "device_name",
    "av_capture_input": "device_name",
}


def same_device(a: ObsInputSpec, b: ObsInputSpec) -> bool:
    """Both open the same capture device (only one OBS input can show it; a file or a stream
    can play in several)."""
    key = DEVICE_KEYS.get(a.kind)
    return key is not None and a.kind == b.kind and a.settings.get(key) == b.settings.get(key)


def camera_from_source(source: str, mode: Mode | None = None) -> ObsInputSpec:
    """The OBS camera input for a saved camera setting (device path/index, media file or URL)
    opened in ``mode`` (1080p30 when not known)."""
    if sys.platform.startswith("linux") and source.strip().isdigit():
        source = f"/dev/video{source.strip()}"
    return obs_input_for(source_from_setting(source), mode or Mode(1920, 1080, 30))
