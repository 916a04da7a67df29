"""Where pictures can come from: local cameras (per OS), media files and network URLs.

A :class:`CameraSource` is what the user picks; :func:`source_from_setting` and
:meth:`CameraSource.setting` round-trip it through ``CameraSettings.source``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import struct
import sys
from dataclasses import dataclass
from typing import Literal

from app.i18n import tr

SourceKind = Literal["device", "file", "url"]

URL_SCHEMES = (
    "rtsp://",
    "rtsps://",
    "rtmp://",
    "http://",
    "https://",
    "udp://",
    "srt://",
    "tcp://",
)

# OpenCV capture back-end (cv2.CAP_* name) per OS for local cameras.
DEVICE_BACKEND = {"linux": "CAP_V4L2", "win32": "CAP_DSHOW", "darwin": "CAP_AVFOUNDATION"}


@dataclass(frozen=True)
class CameraSource:
    """One picture source. ``ref`` is a device path (Linux), an index (Windows/macOS), a file or URL."""

    kind: SourceKind
    ref: str
    label: str
    backend: str = "CAP_ANY"  # a cv2 attribute name, resolved when opening

    @property
    def index(self) -> int | None:
        return int(self.ref) if self.kind == "device" and self.ref.isdigit() else None

    def setting(self) -> str:
        """The value stored in ``CameraSettings.source``."""
        return self.ref


def _platform_key(platform: str) -> str:
    return "linux" if platform.startswith("linux") else platform


def source_from_setting(value: str, platform: str = sys.platform) -> CameraSource:
    """Rebuild a source from a saved setting (or a user's typed text)."""
    value = value.strip()
    key = _platform_key(platform)
    if value.lower().startswith(URL_SCHEMES):
        return CameraSource("url", value, value, "CAP_FFMPEG")
    if value.isdigit():
        label = tr("摄像头 {n}").format(n=value)
        return CameraSource("device", value, label, DEVICE_BACKEND.get(key, "CAP_ANY"))
    if re.fullmatch(r"/dev/video\d+", value):
        return CameraSource("device", value, value, "CAP_V4L2")
    return CameraSource("file", value, os.path.basename(value) or value, "CAP_FFMPEG")


# --- Linux: ask each /dev/video* node what it is (VIDIOC_QUERYCAP), as OBS does ---------------

_VIDIOC_QUERYCAP = 0x80685600  # _IOR('V', 0, struct v4l2_capability), 104 bytes
_V4L2_CAP_VIDEO_CAPTURE = 0x00000001
_V4L2_CAP_DEVICE_CAPS = 0x80000000


@dataclass(frozen=True)
class V4l2Node:
    path: str
    card: str
    can_capture: bool
    error: int | None = None  # errno when the node could not be opened


def query_v4l2(path: str) -> V4l2Node:
    """Name and capture capability of one V4L2 node; never raises (Linux only)."""
    import fcntl  # POSIX only: at module level it would stop the console importing on Windows

    try:
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except OSError as exc:
        return V4l2Node(path, _sysfs_name(path) or path, False, exc.errno)
    try:
        buf = bytearray(104)
        fcntl.ioctl(fd, _VIDIOC_QUERYCAP, buf, True)
        card = bytes(buf[16:48]).split(b"\0", 1)[0].decode("utf-8", "replace")
        caps, device_caps = struct.unpack_from("<II", buf, 84)
        eff = device_caps if caps & _V4L2_CAP_DEVICE_CAPS else caps
        return V4l2Node(path, card or path, bool(eff & _V4L2_CAP_VIDEO_CAPTURE))
    except OSError:  # opened but not a V4L2 device (ENOTTY): not a camera
        return V4l2Node(path, _sysfs_name(path) or path, False)
    finally:
        os.close(fd)


def _sysfs_name(path: str) -> str | None:
    try:
        with open(f"/sys/class/video4linux/{os.path.basename(path)}/name", encoding="utf-8") as f:
            return f.read().strip() or None
    except OSError:
        return None


def _node_number(path: str) -> int:
    m = re.search(r"(\d+)$", path)
    return int(m.group(1)) if m else 0


def list_linux_cameras(pattern: str = "/dev/video*") -> list[CameraSource]:
    """Capture-capable V4L2 nodes (metadata nodes of UVC cameras are skipped)."""
    out: list[CameraSource] = []
    for path in sorted(glob.glob(pattern), key=_node_number):
        node = query_v4l2(path)
        if node.error is not None:
            # cannot ask it (no permission?): still offer it, opening it will explain
            out.append(CameraSource("device", path, f"{node.card} ({path})", "CAP_V4L2"))
        elif node.can_capture:
            out.append(CameraSource("device", path, f"{node.card} ({path})", "CAP_V4L2"))
    return out


def list_indexed_cameras(
    platform: str = sys.platform, max_index: int = 6, misses_allowed: int = 2
) -> list[CameraSource]:
    """Windows/macOS: OpenCV has no device list, so probe indexes with the OS's back-end.

    Slow (each probe opens a device): call it off the UI thread.
    """
    import cv2

    backend = DEVICE_BACKEND.get(_platform_key(platform), "CAP_ANY")
    api = getattr(cv2, backend, cv2.CAP_ANY)
    out: list[CameraSource] = []
    misses = 0
    for i in range(max_index):
        cap = cv2.VideoCapture(i, api)
        try:
            ok = cap.isOpened()
        finally:
            cap.release()
        if ok:
            out.append(CameraSource("device", str(i), tr("摄像头 {n}").format(n=i), backend))
            misses = 0
        else:
            misses += 1
            if misses >= misses_allowed:
                break
    return out


def list_cameras(platform: str = sys.platform) -> list[CameraSource]:
    """Local cameras on this OS. May take a second or more: never call it on the UI thread."""
    if _platform_key(platform) == "linux":
        return list_linux_cameras()
    with contextlib.suppress(Exception):
        return list_indexed_cameras(platform)
    return []
