"""Product images for overlay cards: fetched once over HTTP (httpx) and kept as QImages."""

from __future__ import annotations

import logging
from urllib.parse import urljoin

import httpx
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


class ImageCache:
    def __init__(self, base_url: str = "", *, max_items: int = 256) -> None:
        self.base_url = base_url
        self._images: dict[str, QImage] = {}
        self._failed: set[str] = set()
        self._max = max_items
        self._client: httpx.AsyncClient | None = None

    def absolute(self, url: str | None) -> str | None:
        if not url:
            return None
        return urljoin(self.base_url.rstrip("/") + "/", url) if self.base_url else url

    def get(self, url: str) -> QImage | None:
        return self._images.get(url)

    def put(self, url: str, image: QImage) -> None:
        if len(self._images) >= self._max:
            self._images.pop(next(iter(self._images)))
        self._images[url] = image

    async def ensure(self, url: str | None) -> QImage | None:
        """Fetch ``url`` (absolute) unless cached; None when it cannot be had (logged once)."""
        if not url:
            return None
        if url in self._images:
            return self._images[url]
        if url in self._failed:
            return None
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=5.0, trust_env=False)  # no system proxy
        try:
            resp = await self._client.get(url)
            resp.raise_for_status()
            image = QImage.fromData(resp.content)
            if image.isNull():
                raise ValueError("not an image")
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("product image %s unavailable: %s", url, exc)
            self._failed.add(url)
            return None
        self.put(url, image)
        return image

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
