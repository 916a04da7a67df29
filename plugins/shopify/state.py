"""What LiveDesk keeps about one Shopify shop on disk: its own queue order and the flash sales
whose price must still be put back.

One JSON file per shop (``<dir>/<shop>.json``), written whole to a temporary file, flushed to
disk (fsync) and renamed over the old one: a crash leaves either the old or the new file, never
half of one. :meth:`ShopState.save` returns only once the file is on disk, so a caller that saves
a pending revert *before* changing a price finds it again after any crash.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "shop"


@dataclass
class ShopState:
    path: Path
    #: LiveDesk's queue order (product ids); Shopify has none
    order: list[str] = field(default_factory=list)
    version: int = 1
    #: flash-sale id → {product_id, prices: {variant gid: original cents}, sale_cents, starts_ts,
    #: ends_ts, quantity}: a sale whose original prices must be restored
    reverts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, shop: str) -> ShopState:
        path = folder / f"{_safe(shop)}.json"
        try:
            raw = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return cls(path)
        if not isinstance(raw, dict):
            return cls(path)
        order = [str(x) for x in raw.get("order") or []]
        reverts = raw.get("reverts") or {}
        return cls(
            path,
            order=order,
            version=int(raw.get("version") or 1),
            reverts=dict(reverts) if isinstance(reverts, dict) else {},
        )

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = orjson.dumps(
            {"order": self.order, "version": self.version, "reverts": self.reverts},
            option=orjson.OPT_INDENT_2,
        )
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        with contextlib.suppress(OSError):  # the rename itself on disk (not on every OS)
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
