"""Write overlay PNGs atomically: encode to a temp file in the same directory, then os.replace(),
so OBS never reads a half-written file."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage


def png_bytes(image: QImage, quality: int = 80) -> bytes:
    """PNG-encode; Qt's quality maps to the zlib level (100: none … 0: best). 80: light, fast."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG", quality)  # type: ignore[call-overload]
    buf.close()
    return bytes(data.data())


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
