"""The small, documented surface that plugins may import. Nothing else in ``app`` is public to them."""

from __future__ import annotations

from app.aio import spawn
from app.platform import models
from app.platform.adapter import AdapterFactory, PlatformAdapter
from app.platform.connection import ConnectionStatus, ConnectionTracker, LinkState
from app.platform.errors import OfflineError, PlatformError, StaleVersionError

__all__ = [
    "AdapterFactory",
    "ConnectionStatus",
    "ConnectionTracker",
    "LinkState",
    "OfflineError",
    "PlatformAdapter",
    "PlatformError",
    "StaleVersionError",
    "models",
    "spawn",
]
