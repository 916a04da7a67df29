"""Product images: fetched in the background (httpx), decoded off the UI thread, cached.

``images.get(url)`` returns the thumbnail when it is cached and otherwise starts a fetch and
returns None; ``loaded(url)`` tells the model to repaint the rows that show it. Relative urls
(``/static/products/p01.png``) are resolved against the platform's base url.
"""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from app.aio import spawn

log = logging.getLogger(__name__)

THUMB = 112  # px: drawn at 56 px, sharp on a 2x display
RETRY_AFTER = 30.0  # s before a failed image is fetched again
MAX_BYTES = 5_000_000


def _decode(data: bytes, size: int) -> QImage | None:
    image = QImage.fromData(data)
    if image.isNull():
        return None
    return image.scaled(
        size,
        size,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


class ImageCache(QObject):
    loaded = Signal(str)

    def __init__(
        self, base_url: str | None, *, size: int = THUMB, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.base_url = (base_url or "").rstrip("/")
        self.size = size
        self._pixmaps: dict[str, QPixmap] = {}
        self._failed: dict[str, float] = {}
        self._pending: set[str] = set()
        self._limit = asyncio.Semaphore(4)

    def resolve(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        return f"{self.base_url}/{url.lstrip('/')}" if self.base_url else url

    def get(self, url: str | None) -> QPixmap | None:
        if not url:
            return None
        pixmap = self._pixmaps.get(url)
        if pixmap is not None:
            return pixmap
        if url in self._pending:
            return None
        failed = self._failed.get(url)
        if failed is not None and time.monotonic() - failed < RETRY_AFTER:
            return None
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return None  # no loop (e.g. painting in a plain test): show the placeholder
        self._pending.add(url)
        spawn(self._fetch(url), name=f"product-image:{url}")
        return None

    async def _fetch(self, url: str) -> None:
        try:
            async with self._limit:
                async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                    response = await client.get(self.resolve(url))
                response.raise_for_status()
                if len(response.content) > MAX_BYTES:
                    raise ValueError(f"image too large ({len(response.content)} bytes)")
                image = await asyncio.to_thread(_decode, response.content, self.size)
            if image is None:
                raise ValueError("not an image")
        except (httpx.HTTPError, ValueError) as exc:
            log.info("product image %s not loaded: %s", url, exc)
            self._failed[url] = time.monotonic()
            return
        finally:
            self._pending.discard(url)
        if not shiboken6.isValid(self):
            return  # the window closed while the image was on its way: nobody to tell
        self._pixmaps[url] = QPixmap.fromImage(image)
        self._failed.pop(url, None)
        self.loaded.emit(url)
