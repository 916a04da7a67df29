"""The one exception routes raise; the server turns it into the contract's error body."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """``{"error": {"code", "message", "field"}, **extra}`` with HTTP ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {
            "error": {"code": self.code, "message": self.message, "field": self.field},
            **self.extra,
        }


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident!r} not found")


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid_value", message, field)


def conflict(code: str, message: str, **extra: Any) -> ApiError:
    return ApiError(409, code, message, **extra)
