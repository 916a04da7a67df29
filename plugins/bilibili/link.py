"""One Bilibili danmaku long connection (web and open-live alike): auth, heartbeats, frames.

:func:`open_link` connects to a danmaku WebSocket URL, sends the op-7 auth packet at once (the
server closes a connection that has not authenticated within 5 s) and waits for the op-8 reply:
:class:`AuthRejected` (with the server's code, e.g. -101 for an expired token) unless it is 0.
:meth:`DanmakuLink.commands` then yields the business commands of each received frame (decoded by
:mod:`plugins.bilibili.codec`; skipped packets are logged, never fatal) while a heartbeat (op 2)
goes out right after the auth and every :attr:`LinkConfig.heartbeat_interval` (30 s). A link on
which nothing arrives for ``heartbeat_interval + 5`` s is dead: ``commands()`` raises
``TimeoutError`` (the server answers every heartbeat, so a live link is never that quiet).
Every failure is an exception out of ``commands()`` or ``open_link``; reconnecting is the
adapter's job. :meth:`DanmakuLink.close` ends the heartbeat and the socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from app.aio import wait_within
from plugins.bilibili import codec
from plugins.bilibili.codec import AuthReply, CodecError, Command

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LinkConfig:
    heartbeat_interval: float = 30.0
    open_timeout: float = 5.0  # TCP + TLS + WebSocket handshake
    auth_timeout: float = 5.0  # waiting for the op-8 reply

    @property
    def receive_timeout(self) -> float:
        return self.heartbeat_interval + 5.0


class AuthRejected(Exception):
    """The server answered the auth packet with a non-zero code (or an unreadable reply)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"auth rejected (code {code})")
        self.code = code


class DanmakuLink:
    def __init__(self, ws: ClientConnection, config: LinkConfig) -> None:
        self.ws = ws
        self.config = config
        self.skipped = 0  # packets the codec could not use
        self._beat: asyncio.Task[None] | None = None

    async def _heartbeats(self) -> None:
        # a heartbeat that finds the link closed ends quietly: recv() reports the close once it
        # has handed over the frames that arrived before it (raising here lost those frames)
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await self.ws.send(codec.heartbeat_packet())
                await asyncio.sleep(self.config.heartbeat_interval)

    async def commands(self) -> AsyncIterator[list[Command]]:
        """The commands of each frame, in order, until the link fails (an exception)."""
        if self._beat is None:
            self._beat = asyncio.create_task(self._heartbeats(), name="bilibili-heartbeat")
        while True:
            async with asyncio.timeout(self.config.receive_timeout):
                raw = await self.ws.recv()
            if self._beat.done():  # sending a heartbeat failed: the link is gone
                self._beat.result()
            if not isinstance(raw, bytes):
                continue
            try:
                decoded = codec.decode_frame(raw)
            except CodecError as exc:
                self.skipped += 1
                log.warning("unreadable danmaku frame skipped: %s", exc)
                continue
            for reason in decoded.skipped:
                self.skipped += 1
                log.warning("danmaku packet skipped: %s", reason)
            commands = decoded.commands
            if commands:
                yield commands

    async def close(self) -> None:
        if self._beat is not None:
            self._beat.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._beat
        with contextlib.suppress(Exception):
            await wait_within(self.ws.close(), 2)


async def open_link(
    url: str, auth: bytes | dict[str, Any], config: LinkConfig | None = None
) -> DanmakuLink:
    """Connect, authenticate, and return the link (heartbeats start with ``commands()``)."""
    config = config or LinkConfig()
    ws = await websockets.connect(
        url,
        open_timeout=config.open_timeout,
        ping_interval=None,  # Bilibili's own heartbeat keeps the link alive
        compression=None,
        max_size=codec.DEFAULT_LIMITS.max_frame,
        user_agent_header=None,
    )
    try:
        await ws.send(codec.auth_packet(auth))
        async with asyncio.timeout(config.auth_timeout):
            while True:
                raw = await ws.recv()
                if not isinstance(raw, bytes):
                    continue
                replies = [m for m in codec.decode_frame(raw).messages if isinstance(m, AuthReply)]
                if replies:
                    break
        if replies[0].code != 0:
            raise AuthRejected(replies[0].code)
    except BaseException:
        with contextlib.suppress(Exception):
            await wait_within(ws.close(), 2)
        raise
    return DanmakuLink(ws, config)
