"""Write overlay PNGs atomically: encode to a temp file in the same directory, then os.replace(),
so OBS never reads a half-written file."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage


def png_bytes(image: QImage, compression: int = 1) -> bytes:
    """PNG-encode; Qt's quality maps to zlib level (quality 90 ≈ fast, low compression)."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, b"PNG", 100 - compression * 10)
    buf.close()
    return bytes(data.data())


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_png(path: Path, image: QImage) -> None:
    write_atomic(path, png_bytes(image))
