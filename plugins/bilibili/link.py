"""One danmaku long connection (``wss://…/sub``): connect, authenticate, heartbeat, read frames.

Both Bilibili paths use it: open-live authenticates with the ``auth_body`` of ``/v2/app/start``
verbatim, the web path with its JSON auth dict. :func:`frames` is an async generator over one
connection; reconnecting, host rotation and re-initialising are the adapter's business.

Guarantees:

- The op-7 auth packet is the first thing sent; the first packet received must be its op-8
  reply: ``code`` 0 goes on, anything else raises :class:`AuthRejected` (``-101``: the token or
  ``auth_body`` is no longer valid — the adapter re-initialises), and no reply within
  ``open_timeout`` is a :class:`LinkDropped`.
- An op-2 heartbeat goes out every ``heartbeat`` seconds while the connection is open (the
  servers close a silent connection after about 70 s); a connection that receives nothing for
  ``receive_timeout`` seconds (heartbeat replies included) counts as dropped.
- Every received frame is decoded with :func:`plugins.bilibili.codec.decode_frame` and yielded as
  its :class:`~plugins.bilibili.codec.Decoded` (a frame that cannot be decoded at all is yielded
  as one with the reason in ``skipped``, never raised): the generator ends only by
  :class:`LinkDropped` / :class:`AuthRejected`, or by the caller closing it (which closes the
  socket and stops the heartbeat).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import websockets
from websockets.asyncio.client import ClientConnection, connect

from plugins.bilibili import codec


class LinkDropped(Exception):
    """The connection could not be opened, or it ended (closed, reset, silent too long)."""


class AuthRejected(Exception):
    """The server refused the auth packet (``code``: -101 = token/auth body no longer valid)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"danmaku auth refused (code {code})")
        self.code = code


async def frames(
    url: str,
    auth: bytes | dict[str, object],
    *,
    heartbeat: float = 30.0,
    receive_timeout: float = 65.0,
    open_timeout: float = 10.0,
    limits: codec.Limits = codec.DEFAULT_LIMITS,
) -> AsyncGenerator[codec.Decoded, None]:
    """The decoded frames of one authenticated connection to ``url`` (see the module's docstring)."""
    try:
        ws = await connect(
            url,
            open_timeout=open_timeout,
            ping_interval=None,  # Bilibili keeps the link with op-2 packets, not WebSocket pings
            max_size=limits.max_frame,
            compression=None,
            proxy=None,
        )
    except (OSError, TimeoutError, websockets.WebSocketException) as exc:
        raise LinkDropped(f"connect {url}: {type(exc).__name__}: {exc}") from None
    beat: asyncio.Task[None] | None = None
    try:
        await ws.send(codec.auth_packet(auth))
        reply = await _receive(ws, open_timeout, limits)
        code = next((m.code for m in reply.messages if isinstance(m, codec.AuthReply)), None)
        if not any(isinstance(m, codec.AuthReply) for m in reply.messages):
            raise LinkDropped("the first packet after auth is not an auth reply")
        if code != 0:
            raise AuthRejected(code)
        beat = asyncio.get_running_loop().create_task(_heartbeats(ws, heartbeat))
        while True:
            yield await _receive(ws, receive_timeout, limits)
    finally:
        if beat is not None:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await beat
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), 2)


async def _receive(ws: ClientConnection, wait: float, limits: codec.Limits) -> codec.Decoded:
    try:
        raw = await asyncio.wait_for(ws.recv(), wait)
    except TimeoutError:
        raise LinkDropped(f"nothing received for {wait:.1f} s") from None
    except websockets.ConnectionClosed as exc:
        raise LinkDropped(f"connection closed ({exc})") from None
    except (OSError, websockets.WebSocketException) as exc:
        raise LinkDropped(f"{type(exc).__name__}: {exc}") from None
    if isinstance(raw, str):
        raw = raw.encode()
    try:
        return codec.decode_frame(raw, limits)
    except codec.CodecError as exc:
        return codec.Decoded(skipped=[f"undecodable frame: {exc}"])


async def _heartbeats(ws: ClientConnection, every: float) -> None:
    packet = codec.heartbeat_packet()
    with contextlib.suppress(websockets.ConnectionClosed, OSError):
        while True:
            await ws.send(packet)
            await asyncio.sleep(every)
