"""Product images: fetched in the background (httpx), decoded off the UI thread, cached.

``images.get(url)`` returns the thumbnail when it is cached and otherwise starts a fetch and
returns None; ``loaded(url)`` tells the model to repaint the rows that show it;
``prefetch(urls)`` fetches what is not cached yet (the panel asks for the whole bag, so a row
scrolled into view mid-broadcast already has its picture). Relative urls
(``/static/products/p01.png``) are resolved against the platform's base url.

One HTTP client serves every fetch: creating an httpx client builds an SSL context, ~20 ms on the
UI thread, and a client per image made the first explain of each product not yet on screen
(its row scrolled into view, its image fetched) take 30–70 ms instead of ~8
(tests/bench/feed_ui.py, 2,000 events/s).

Fetches run on the loop and only the decoding runs on a thread, which gets bytes and returns a
QImage: the result comes back to the loop (``asyncio.to_thread``), where the cache checks that it
still exists before it keeps or announces anything. A cache deleted with its window starts no
download after that, and answers still on their way are dropped (docs/architecture.md, "Threads").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

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
        self._client: list[httpx.AsyncClient] = []  # made at the first fetch; closed with us
        self.destroyed.connect(_closer(self._client))

    def _http(self) -> httpx.AsyncClient:
        if not self._client:
            self._client.append(httpx.AsyncClient(timeout=5.0, trust_env=False))
        return self._client[0]

    def cached(self, url: str) -> QPixmap | None:
        """The thumbnail if it is loaded (never starts a fetch)."""
        return self._pixmaps.get(url)

    def prefetch(self, urls: Iterable[str | None]) -> None:
        """Start fetching every image of ``urls`` that is not cached (nor failed lately)."""
        for url in urls:
            self.get(url)

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
                if not shiboken6.isValid(self):
                    return  # gone while waiting for a slot: no download (its client is closed)
                response = await self._http().get(self.resolve(url))
                response.raise_for_status()
                if len(response.content) > MAX_BYTES:
                    raise ValueError(f"image too large ({len(response.content)} bytes)")
                if not shiboken6.isValid(self):
                    return
                # the decoding thread gets bytes and gives back a QImage (no QObject); the loop
                # side below checks that the cache is still there before it is touched
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


def _closer(clients: list[httpx.AsyncClient]) -> Callable[..., None]:
    """Closes the cache's client once its QObject is gone (touching only what it held)."""

    def close(*_: object) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no running loop (the app is shutting down): sockets go with it
            return
        while clients:
            spawn(clients.pop().aclose(), name="product-images:close")

    return close
