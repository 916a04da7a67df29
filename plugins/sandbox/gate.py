"""The sandbox's front door: a pure ASGI middleware that runs before any route, body or lookup.

Guarantees:
- **Authenticate first.** Every request under ``/api/v1/rooms/`` (HTTP and the WebSocket
  handshake) is answered 401/403 from its headers alone, before its body is read or parsed and
  before any id is looked up, so a request without a valid token costs nothing and learns
  nothing (an unknown and a known product id answer the same 401). A reviewer's token is refused
  (403 ``forbidden``) on every mutating method here too; routes still check their exact roles.
- **Bounded bodies.** A declared ``Content-Length`` above the route's cap is answered 413
  ``too_large`` at once, without reading the body; a streamed (chunked) body is counted as it
  arrives and refused with 413 as soon as it passes the cap. JSON routes: ``MAX_JSON_BODY``; the
  recordings upload has its own cap (checked here from ``Content-Length``, counted by its route).
- **Every refusal is the contract's error JSON**, the WebSocket handshake's included (sent as an
  HTTP denial response before the upgrade): a handshake the app closes before accepting it (an
  unknown route) becomes a JSON 404 instead of the server's bare 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import orjson

from plugins.sandbox.errors import ApiError
from plugins.sandbox.routes.context import OPERATE, READ

ROOMS = "/api/v1/rooms/"
MAX_JSON_BODY = 1024 * 1024
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Authenticate = Callable[[str | None, str, tuple[str, ...]], Any]
Message = dict[str, Any]


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a streamed body passes its cap."""


def _error_body(exc: ApiError) -> bytes:
    return orjson.dumps(exc.body())


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"请求体过大 (request body larger than {limit} bytes)")


def _bearer(headers: dict[bytes, bytes]) -> str | None:
    h = headers.get(b"authorization", b"").decode("latin-1")
    if h[:7].lower() == "bearer ":
        return h[7:].strip()
    return None


class RoomGate:
    """``RoomGate(app, authenticate=..., body_cap=...)``; ``body_cap(method, path)`` gives a
    route's cap in bytes and whether the gate counts a streamed body itself."""

    def __init__(
        self,
        app: Any,
        authenticate: Authenticate,
        body_cap: Callable[[str, str], tuple[int, bool]],
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.body_cap = body_cap

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _check(self, scope: Any, method: str, token: str | None) -> ApiError | None:
        path: str = scope["path"]
        if not path.startswith(ROOMS):
            return None
        room = path[len(ROOMS) :].split("/", 1)[0]
        roles = READ if method in SAFE_METHODS else OPERATE
        try:
            self.authenticate(token, room, roles)
        except ApiError as exc:
            return exc
        return None

    # --- HTTP ----------------------------------------------------------------------------------
    async def _http(self, scope: Any, receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        method = scope["method"]
        refused = self._check(scope, method, _bearer(headers))
        if refused is None:
            cap, counted = self.body_cap(method, scope["path"])
            declared = headers.get(b"content-length")
            try:
                length = int(declared) if declared is not None else None
            except ValueError:
                refused = ApiError(400, "malformed", "Content-Length 不合法 (bad Content-Length)")
            else:
                if length is not None and length > cap:
                    refused = too_large(cap)
        if refused is not None:
            await _send_json(send, refused)
            return
        if not counted:
            await self.app(scope, receive, send)
            return

        received = 0
        over = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, over
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # whatever the app made of the exception, the answer is 413
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _send_json(send, too_large(cap))
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if not started:
                await _send_json(send, too_large(cap))

    # --- WebSocket handshake ---------------------------------------------------------------------
    async def _websocket(self, scope: Any, receive: Any, send: Any) -> None:
        headers = dict(scope["headers"])
        token = _bearer(headers)
        if token is None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            token = (query.get("token") or [None])[0]
        refused = self._check(scope, "GET", token)
        can_deny = "websocket.http.response" in scope.get("extensions", {})
        if refused is not None:
            await _deny(send, refused, can_deny)
            return
        accepted = False

        async def guarded_send(message: Message) -> None:
            nonlocal accepted
            kind = message["type"]
            if kind in ("websocket.accept", "websocket.http.response.start"):
                accepted = True
            elif kind == "websocket.close" and not accepted:
                accepted = True
                if message.get("code") == 1008:
                    exc = ApiError(422, "invalid_value", "查询参数不合法 (invalid query parameter)")
                else:
                    exc = ApiError(404, "not_found", f"no WebSocket route {scope['path']!r}")
                await _deny(send, exc, can_deny)
                return
            await send(message)

        await self.app(scope, receive, guarded_send)


async def _send_json(send: Any, exc: ApiError, prefix: str = "") -> None:
    body = _error_body(exc)
    await send(
        {
            "type": prefix + "http.response.start",
            "status": exc.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": prefix + "http.response.body", "body": body})


async def _deny(send: Any, exc: ApiError, can_deny: bool) -> None:
    """Refuse a WebSocket handshake with the error JSON (an HTTP response instead of the
    upgrade); a server without the denial extension gets a close code 4000 + status."""
    if can_deny:
        await _send_json(send, exc, "websocket.")
    else:
        await send({"type": "websocket.close", "code": 4000 + exc.status, "reason": exc.code})
