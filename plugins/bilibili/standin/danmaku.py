"""The danmaku WebSocket stand-in (``/sub``), shared by the web and open-live stand-ins.

It behaves like Bilibili's danmaku servers, packet for packet (:mod:`plugins.bilibili.codec`):

- The client must send its op-7 auth packet within :attr:`DanmakuOptions.auth_timeout` (5 s)
  of connecting, else the connection is closed. The auth body is checked by ``check_auth``
  (web: the token and room, open-live: the ``auth_body``) and answered with op 8 ``{"code": 0}``,
  or ``{"code": -101}`` followed by a close. :attr:`DanmakuOptions.reject_auth` rejects the first
  N auths whatever they say.
- Every op-2 heartbeat is answered with op 3 in its real shape (packet length counting only the
  popularity, the client's body echoed after it). A connection silent for
  :attr:`DanmakuOptions.idle_timeout` is closed (the real server: about 70 s).
- After a successful auth the :class:`Script` plays: each step is data (JSON-able), so tests and
  ``livedesk events`` runs share scripts:

  - ``{"frame": [command, ...], "ver": 0|2|3}`` — one WebSocket frame holding those commands
    (JSON objects as Bilibili sends them, protobuf-in-base64 ones included): ``ver`` 0 is one
    JSON packet per command in the frame, 2/3 one zlib/brotli packet wrapping them all;
  - ``{"sleep": seconds}`` — pause the stream;
  - ``{"disconnect": true}`` — drop the connection here (no close frame, as a network fault);
    the next connection resumes the script at the following step, so a duplicate after a
    reconnect is simply a command scripted again after the disconnect.

  The script position is shared by all connections; when it ends the connection stays open
  (heartbeats answered) until the client leaves or the server stops.
- What clients sent is recorded in :attr:`DanmakuStandIn.connections` (auth bodies and times,
  heartbeat times, how each connection ended) for tests to assert.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from plugins.bilibili import codec
from plugins.bilibili.codec import HEADER, HEADER_LEN, Op, Ver
from plugins.bilibili.standin.runner import ABORT_EXTENSION

AUTH_OK = 0
AUTH_REJECTED = -101

Step = dict[str, Any]


def client_packets(frame: bytes) -> list[tuple[int, bytes]]:
    """The ``(operation, body)`` packets of a frame a client sent (auth, heartbeats)."""
    out: list[tuple[int, bytes]] = []
    off = 0
    while len(frame) - off >= HEADER_LEN:
        pack_len, head_len, _ver, op, _seq = HEADER.unpack_from(frame, off)
        if head_len < HEADER_LEN or pack_len < head_len or off + pack_len > len(frame):
            break
        out.append((op, frame[off + head_len : off + pack_len]))
        off += pack_len
    return out


def build_frame(commands: Sequence[dict[str, Any]], ver: int = Ver.JSON) -> bytes:
    """One server frame carrying ``commands`` with protocol version ``ver`` (0, 2 or 3)."""
    packets = b"".join(codec.command_packet(c) for c in commands)
    if ver == Ver.JSON:
        return packets
    return codec.compressed_packet(packets, ver)


def frame(*commands: dict[str, Any], ver: int = Ver.BROTLI) -> Step:
    return {"frame": list(commands), "ver": int(ver)}


def disconnect() -> Step:
    return {"disconnect": True}


def sleep(seconds: float) -> Step:
    return {"sleep": seconds}


class Script:
    """The scripted stream: its steps and how far it has played (across connections)."""

    def __init__(self, steps: Sequence[Step] = ()) -> None:
        self.steps: list[Step] = [dict(s) for s in steps]
        self.position = 0
        for s in self.steps:
            if not ({"frame", "sleep", "disconnect"} & s.keys()):
                raise ValueError(f"not a script step: {s!r}")

    @classmethod
    def from_json(cls, raw: bytes | str) -> Script:
        steps = orjson.loads(raw)
        if not isinstance(steps, list):
            raise ValueError("a script is a JSON list of steps")
        return cls(steps)

    @property
    def done(self) -> bool:
        return self.position >= len(self.steps)

    def commands(self) -> list[dict[str, Any]]:
        """Every command the script sends, in order (duplicates included)."""
        return [c for s in self.steps for c in s.get("frame", ())]


@dataclass
class Connection:
    """What one client connection did (monotonic times)."""

    opened: float
    auth_at: float | None = None
    auth_body: bytes = b""
    auth_code: int | None = None
    heartbeats: list[float] = field(default_factory=list)
    ended: str = ""  # why it ended; "" while open

    @property
    def auth_json(self) -> dict[str, Any]:
        try:
            obj = orjson.loads(self.auth_body)
        except orjson.JSONDecodeError:
            return {}
        return obj if isinstance(obj, dict) else {}


@dataclass
class DanmakuOptions:
    auth_timeout: float = 5.0
    idle_timeout: float = 70.0
    reject_auth: int = 0  # reject this many auths (-101) before accepting
    popularity: int = 1


class DanmakuStandIn:
    """State of the ``/sub`` endpoint; mount :meth:`route` into a Starlette app."""

    def __init__(
        self,
        script: Script | Sequence[Step] = (),
        options: DanmakuOptions | None = None,
        *,
        check_auth: Callable[[bytes], int] | None = None,
    ) -> None:
        self.script = script if isinstance(script, Script) else Script(script)
        self.options = options or DanmakuOptions()
        self.check_auth = check_auth or (lambda _body: AUTH_OK)
        self.connections: list[Connection] = []

    def route(self, path: str = "/sub") -> WebSocketRoute:
        return WebSocketRoute(path, self.serve)

    @property
    def auth_bodies(self) -> list[dict[str, Any]]:
        return [c.auth_json for c in self.connections if c.auth_at is not None]

    async def serve(self, ws: WebSocket) -> None:
        await ws.accept()
        conn = Connection(opened=time.monotonic())
        self.connections.append(conn)
        try:
            if not await self._auth(ws, conn):
                return
            await self._run(ws, conn)
        except WebSocketDisconnect:
            conn.ended = conn.ended or "client closed"
        finally:
            conn.ended = conn.ended or "server stopped"
            with contextlib.suppress(Exception):
                await ws.close()

    async def _auth(self, ws: WebSocket, conn: Connection) -> bool:
        try:
            async with asyncio.timeout(self.options.auth_timeout):
                first = await ws.receive_bytes()
        except TimeoutError:
            conn.ended = "no auth in time"
            await ws.close(1008)
            return False
        packets = client_packets(first)
        if not packets or packets[0][0] != Op.AUTH:
            conn.ended = "first packet is not auth"
            await ws.close(1008)
            return False
        conn.auth_at = time.monotonic()
        conn.auth_body = packets[0][1]
        rejected = sum(1 for c in self.connections if c.auth_code == AUTH_REJECTED)
        code = (
            AUTH_REJECTED
            if rejected < self.options.reject_auth
            else self.check_auth(conn.auth_body)
        )
        conn.auth_code = code
        await ws.send_bytes(codec.auth_reply_packet(code))
        if code != AUTH_OK:
            conn.ended = f"auth rejected ({code})"
            await ws.close(1008)
            return False
        return True

    async def _run(self, ws: WebSocket, conn: Connection) -> None:
        player = asyncio.create_task(self._play(ws, conn))
        try:
            while True:
                try:
                    async with asyncio.timeout(self.options.idle_timeout):
                        msg = await ws.receive()
                except TimeoutError:
                    conn.ended = "no heartbeat in time"
                    return
                if msg["type"] == "websocket.disconnect":
                    conn.ended = conn.ended or "client closed"
                    return
                if conn.ended:  # dropped by the script: the stream is over, only wait
                    continue
                for op, body in client_packets(msg.get("bytes") or b""):
                    if op == Op.HEARTBEAT:
                        conn.heartbeats.append(time.monotonic())
                        await ws.send_bytes(
                            codec.heartbeat_reply_packet(self.options.popularity, body)
                        )
        finally:
            player.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await player

    async def _play(self, ws: WebSocket, conn: Connection) -> None:
        script = self.script
        while not script.done:
            step = script.steps[script.position]
            script.position += 1
            if "sleep" in step:
                await asyncio.sleep(float(step["sleep"]))
            elif step.get("disconnect"):
                conn.ended = "dropped by the script"
                await _drop(ws)
                return
            elif not conn.ended:
                await ws.send_bytes(build_frame(step["frame"], int(step.get("ver", Ver.JSON))))


async def _drop(ws: WebSocket) -> None:
    """End the connection without a close frame (a network fault, not a goodbye) when the server
    offers it (:mod:`~plugins.bilibili.standin.runner` does), else close with 1011.

    The TCP stream is ended with a FIN once what was sent before has left, and aborted 5 s later
    if the client has not closed by then: an immediate abort would discard frames still in the
    send buffer, and a reset (closing while the client's heartbeat is unread) makes the client's
    kernel discard frames it has received but not read yet."""
    ext = (ws.scope.get("extensions") or {}).get(ABORT_EXTENSION, {})
    abort, buffered, write_eof = ext.get("abort"), ext.get("buffered"), ext.get("write_eof")
    if not (callable(abort) and callable(buffered) and callable(write_eof)):
        await ws.close(1011)
        return
    deadline = time.monotonic() + 5.0
    while buffered() and time.monotonic() < deadline:  # noqa: ASYNC110 - a size, no event
        await asyncio.sleep(0.01)
    write_eof()
    asyncio.get_running_loop().call_later(5.0, abort)
