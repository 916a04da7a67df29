"""One EventSub WebSocket session: connect, the welcome, messages under a keepalive watchdog.

:func:`open_session` connects to an EventSub URL and waits for the first message, which must be
``session_welcome`` (its ``session.id`` is what subscriptions name, its
``keepalive_timeout_seconds`` what the watchdog uses). :meth:`Session.receive` returns the next
message as a dict; it raises :class:`Silent` when nothing at all (no keepalive, no notification)
arrived for the keepalive timeout plus a slack (:attr:`Session.watchdog`) — Twitch's rule: the connection is then dead
and the client reconnects — and :class:`Closed` with the close code when the server closed it.
The client never sends a data frame (Twitch closes with 4001 on any inbound message); pings are
answered by the WebSocket library. Reconnecting and subscribing are the adapter's job.

Close codes (Twitch's documentation and the Twitch CLI's mock server) and what they mean for
the client (:data:`CLOSE_CODES`): 4000 server error, 4001 the client sent a message, 4002 a
ping went unanswered, 4003 nothing was subscribed in time after the welcome, 4004 the client
did not move to the reconnect URL within the grace time, 4005/4006 network timeout/error, 4007
the reconnect URL was invalid. For each the adapter opens a fresh session at the configured URL
and subscribes again (a fresh session has no subscriptions); only a ``session_reconnect``
hand-off keeps them.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import orjson
import websockets
from websockets.asyncio.client import ClientConnection

from app.aio import wait_within

#: slack on keepalive_timeout_seconds before a silent connection is given up: 20 % plus half a
#: second (Twitch sends the keepalive as the timeout is reached; a busy network must not trip it)
GRACE = 0.5
GRACE_SHARE = 0.2
MAX_MESSAGE = 1 << 20

CLOSE_CODES: dict[int, str] = {
    4000: "internal server error",
    4001: "sent inbound traffic",
    4002: "failed ping-pong",
    4003: "connection unused (nothing subscribed in time)",
    4004: "reconnect grace time expired",
    4005: "network timeout",
    4006: "network error",
    4007: "invalid reconnect",
}


class Silent(Exception):
    """No message within the keepalive timeout: the connection is dead."""


class Closed(Exception):
    def __init__(self, code: int | None, reason: str = "") -> None:
        meaning = CLOSE_CODES.get(code or 0, reason or "closed")
        super().__init__(f"closed {code}: {meaning}")
        self.code = code


class ProtocolError(Exception):
    """The server sent something that is not an EventSub message (or no welcome first)."""


@dataclass(slots=True)
class Session:
    ws: ClientConnection
    id: str
    keepalive: float
    url: str

    @property
    def watchdog(self) -> float:
        """Seconds without any message after which the connection is dead."""
        return self.keepalive * (1 + GRACE_SHARE) + GRACE

    async def receive(self) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.watchdog):
                raw = await self.ws.recv()
        except TimeoutError:
            raise Silent(f"nothing for {self.watchdog:.1f} s") from None
        except websockets.ConnectionClosed as exc:
            rcvd = exc.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
        return parse(raw)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await wait_within(self.ws.close(), 2)


def parse(raw: str | bytes) -> dict[str, Any]:
    try:
        msg = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("metadata"), dict):
        raise ProtocolError("a message without metadata")
    if not isinstance(msg.get("payload"), dict):
        raise ProtocolError("a message without a payload")
    return msg


def message_type(msg: dict[str, Any]) -> str:
    return str(msg["metadata"].get("message_type", ""))


async def open_session(url: str, within: float = 10.0) -> Session:
    """Connect and read the welcome (within ``within`` seconds each)."""
    try:
        ws = await websockets.connect(
            url, open_timeout=within, max_size=MAX_MESSAGE, user_agent_header=None
        )
    except websockets.InvalidStatus as exc:
        raise Closed(None, f"HTTP {exc.response.status_code}") from None
    try:
        async with asyncio.timeout(within):
            raw = await ws.recv()
        msg = parse(raw)
        if message_type(msg) != "session_welcome":
            raise ProtocolError(f"first message is {message_type(msg)!r}, not session_welcome")
        session = msg["payload"].get("session") or {}
        keepalive = session.get("keepalive_timeout_seconds")
        if not isinstance(session.get("id"), str) or not isinstance(keepalive, int | float):
            raise ProtocolError("a welcome without session id or keepalive timeout")
    except websockets.ConnectionClosed as exc:
        with contextlib.suppress(Exception):
            await wait_within(ws.close(), 2)
        rcvd = exc.rcvd
        raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
    except BaseException:
        with contextlib.suppress(Exception):
            await wait_within(ws.close(), 2)
        raise
    return Session(ws, session["id"], float(keepalive), url)
