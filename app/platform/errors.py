"""Errors an adapter raises. Each carries a message fit to show an operator: the console's own
messages (offline) are whole sentences in the UI language (``tr``), never two languages mixed."""

from __future__ import annotations

from typing import Any

from app.i18n import tr


class PlatformError(Exception):
    """The platform refused or failed an action (maps the API's error body)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 0,
        field: str | None = None,
        current: Any = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field
        self.current = current  # e.g. the current bag on 409 stale_version

    def __str__(self) -> str:
        return self.message


class OfflineError(PlatformError):
    """An action was attempted while the platform cannot be reached: refused, never dropped."""

    def __init__(self, message: str = "") -> None:
        super().__init__("offline", message or tr("平台未连接，操作未执行"))


class StaleVersionError(PlatformError):
    """A versioned write lost a race; ``current`` holds the platform's current state."""
