"""``WS /rooms/{room}/events``: the room's event stream, from ``after_seq`` on, then live.

The stream never spins: every pass sends something or waits for a wake-up. A client that fell
behind the retained log gets a ``resync`` message and goes on from the newest committed event.
Bursts are corked (many events per TCP segment, flushed when the burst ends).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from plugins.sandbox.errors import ApiError
from plugins.sandbox.eventlog import PAGE, Subscriber
from plugins.sandbox.routes.context import READ, R, RoomApi, json_response
from plugins.sandbox.schemas import MAX_SEQ
from plugins.sandbox.team_api import Members, parse_client

log = logging.getLogger(__name__)

YIELD_EVERY = 200  # stream messages sent between yields to the loop
TRANSPORT_KEY = "livedesk.transport"


def parse_after_seq(raw: str | None) -> int | None:
    """The stream's ``after_seq``: absent, or a decimal integer in 0…MAX_SEQ."""
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_SEQ:
        raise ApiError(
            422, "invalid_value", f"after_seq must be an integer 0…{MAX_SEQ}", "after_seq"
        )
    return int(raw)


class KeepTransport:
    """Outermost ASGI middleware: remembers the server's transport of a WebSocket connection in
    the scope (Starlette wraps ``send``), so the stream can cork its socket."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is not None:
                scope[TRANSPORT_KEY] = transport
        await self.app(scope, receive, send)


def corker(ws: WebSocket) -> Callable[[bool], None]:
    """TCP_CORK around a burst of stream messages: many events per TCP segment (the socket
    has TCP_NODELAY for quick HTTP answers), flushed at once when the burst ends. Linux only;
    elsewhere a no-op."""
    transport = ws.scope.get(TRANSPORT_KEY)
    opt = getattr(socket, "TCP_CORK", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or opt is None:
        return lambda on: None

    def cork(on: bool) -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, opt, 1 if on else 0)

    return cork


def router(api: RoomApi, members: Members) -> APIRouter:
    engine = api.engine
    r = APIRouter(prefix=R)

    @r.websocket("/events")
    async def events(
        ws: WebSocket,
        room: str,
        after_seq: str | None = None,
        token: str | None = None,
        client: str | None = None,
    ) -> None:
        h = ws.headers.get("authorization", "")
        tok = h[7:].strip() if h[:7].lower() == "bearer " else token
        try:
            who = api.authenticate(tok, room, READ)
            start = parse_after_seq(after_seq)
            name = parse_client(client)
        except ApiError as exc:
            try:
                await ws.send_denial_response(json_response(exc.body(), exc.status))
            except RuntimeError:
                await ws.close(code=4000 + exc.status, reason=exc.code)
            return
        await ws.accept()
        member = members.join(who["role"], name)  # GET /members (team_api.py)
        try:
            await stream(ws, start)
        finally:
            members.leave(member)

    async def stream(ws: WebSocket, after_seq: int | None) -> None:
        elog = engine.log
        sub = Subscriber()
        elog.subscribers.add(sub)

        async def watch_close() -> None:
            with contextlib.suppress(Exception):
                while True:
                    msg = await ws.receive()
                    if msg["type"] == "websocket.disconnect":
                        break
            sub.closed = True
            sub.wake.set()

        watcher = asyncio.get_running_loop().create_task(watch_close(), name="ws-close-watch")
        send = ws.send_text
        cork = corker(ws)
        try:
            cursor, reason = elog.start_cursor(after_seq)
            if reason:
                await ws.send_text(elog.resync_text(reason, engine.now()))
            while not sub.closed:
                if sub.oob:
                    oob, sub.oob = sub.oob, []
                    for text in oob:
                        await ws.send_text(text)
                # every pass either sends something or waits for a wake-up: it never spins
                batch = elog.read_after(cursor, PAGE)
                if batch is None:  # fell behind the retained log (or, never expected, a gap)
                    log.info("stream after seq %d: events gone, resync", cursor)
                    cursor = elog.committed
                    await ws.send_text(
                        elog.resync_text("the log no longer has these events", engine.now())
                    )
                    continue
                if not batch:  # read_after gives [] only when nothing is left: wait
                    sub.wake.clear()
                    if not sub.oob:
                        await sub.wake.wait()
                    continue
                cork(True)
                try:
                    for i, text in enumerate(batch, 1):
                        await send(text)
                        if i % YIELD_EVERY == 0:
                            await asyncio.sleep(0)  # sends rarely block: let others run
                finally:
                    cork(False)
                cursor += len(batch)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            elog.subscribers.discard(sub)
            watcher.cancel()

    return r
