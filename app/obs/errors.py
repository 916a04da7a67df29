"""Errors from OBS control. Each carries a message fit to show an operator (Chinese, then English)."""

from __future__ import annotations

from app.i18n import tr


class ObsError(Exception):
    """Something OBS refused or could not do; ``str()`` is the operator-facing message."""

    def __init__(self, message: str, *, code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class ObsOfflineError(ObsError):
    """An action was attempted while OBS is not connected: refused, never queued."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or tr("OBS 未连接，操作未执行"))


class ObsConnectError(ObsError):
    """Nothing (or not obs-websocket) answers at host:port."""


class ObsAuthError(ObsError):
    """obs-websocket refused the password. Reconnecting will not help until it is changed."""


class ObsRequestError(ObsError):
    """A request reached OBS and failed (``code`` is obs-websocket's RequestStatus)."""

    def __init__(self, request_type: str, code: int, comment: str) -> None:
        super().__init__(
            tr("OBS 拒绝了 {request}：{why}（代码 {code}）").format(
                request=request_type, why=comment or code, code=code
            ),
            code=code,
        )
        self.request_type = request_type
        self.comment = comment


class ObsTimeoutError(ObsError):
    """OBS did not answer a request in time."""


#: obs-websocket RequestStatus codes we act on
NOT_READY = 207
RESOURCE_NOT_FOUND = 600

#: WebSocket close codes obs-websocket uses
CLOSE_AUTH_FAILED = 4009
CLOSE_SESSION_INVALIDATED = 4011
