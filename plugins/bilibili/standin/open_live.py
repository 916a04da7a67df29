"""A local stand-in for the open-live (直播开放平台) HTTP API, for tests, CI and development.

It answers ``POST /v2/app/start``, ``/v2/app/heartbeat`` and ``/v2/app/end`` the way
``https://live-open.biliapi.com`` does (point ``LIVEDESK_BILIBILI_OPEN_BASE`` at it), checking
what the real one checks, with the codes of the platform's public error table:

- every request: ``x-bili-accesskeyid`` known (else 4001), ``x-bili-signature-method``
  HMAC-SHA256 (4005), ``x-bili-signature-version`` 1.0 (4006), ``x-bili-timestamp`` within
  :attr:`OpenLiveStandin.clock_skew` seconds (4003), a nonce never seen before (4004), the
  content-md5 of the *exact* body bytes (4012), the HMAC-SHA256 ``Authorization`` over the
  ``x-bili-*`` headers (4002) — verified with :func:`plugins.bilibili.signing.verify_open_live`;
  a body that is not a JSON object is 4000.
- ``start {code, app_id}``: the app id (else 8002) and the 身份码 (else 7007); a game already
  running in the room is 7002; a start within :attr:`OpenLiveStandin.cooldown` seconds of the
  room's last ``end`` is 7001 (请求冷却期). It answers ``game_info.game_id``, ``anchor_info``
  (``room_id``, ``uname``, ``uid`` 0, ``open_id``, ``union_id``, ``uface``) and
  ``websocket_info`` (``auth_body``: a JSON string bound to the game, ``wss_link``: the links
  given by :attr:`OpenLiveStandin.wss_links`).
- ``heartbeat {game_id}``: 7003 for a game that is unknown or closed, else it keeps the game
  alive. A game without a heartbeat for :attr:`OpenLiveStandin.heartbeat_timeout` seconds (60 on
  the real platform; configurable so that tests run fast) is closed, and the listeners of
  :meth:`OpenLiveStandin.on_game_closed` are told (the danmaku side pushes
  ``LIVE_OPEN_PLATFORM_INTERACTION_END`` and drops the game's connections).
- ``end {app_id, game_id}``: 0 for a running game; 7000 for one already ended, 7003 for one
  unknown or closed by the platform (the real platform's answers, which clients treat as done).

Tests script failures (:meth:`OpenLiveStandin.fail_next`: the next N calls of a path answer a
code), close a game as if its heartbeats had stopped (:meth:`OpenLiveStandin.expire`), and read
what was asked (:attr:`OpenLiveStandin.calls`: path, time, code answered, game id).
:meth:`OpenLiveStandin.auth_ok` tells the danmaku side whether an auth packet's body is that of a
running game. :func:`run_in_thread` serves it on 127.0.0.1 (a free port) from a thread of its
own; ``stop()`` ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

from plugins.bilibili.signing import verify_open_live

#: listener of games the platform closed: (game, reason) — reason "heartbeat" or "ended"
GameListener = Callable[["StandinGame", str], None]


@dataclass(slots=True)
class StandinGame:
    game_id: str
    room_id: int
    auth_body: str
    started: float  # monotonic
    last_heartbeat: float  # monotonic
    status: str = "running"  # running | ended (by /end) | closed (by the platform)


@dataclass(frozen=True, slots=True)
class Call:
    """One request the stand-in answered."""

    path: str
    at: float  # monotonic
    code: int
    game_id: str = ""


@dataclass(slots=True)
class OpenLiveStandin:
    """The platform's state for one app and one streamer's room (thread-safe)."""

    app_id: int = 1_700_000_001
    access_key_id: str = "standin-key-id"
    access_key_secret: str = field(default="standin-key-secret", repr=False)
    code: str = field(default="STANDINCODE", repr=False)  # the streamer's 身份码
    room_id: int = 21452505
    uname: str = "某主播"
    anchor_open_id: str = "anchor-open-id"
    #: seconds without a heartbeat after which a game is closed (60 on the real platform)
    heartbeat_timeout: float = 60.0
    #: seconds after an ``end`` during which a new ``start`` of the room answers 7001
    cooldown: float = 0.0
    #: accepted distance of ``x-bili-timestamp`` from the stand-in's clock, in seconds
    clock_skew: float = 600.0
    #: the danmaku links a start hands out (the danmaku stand-in's ws:// URL)
    wss_links: list[str] = field(default_factory=lambda: ["ws://127.0.0.1:1/sub"])
    calls: list[Call] = field(default_factory=list)
    games: dict[str, StandinGame] = field(default_factory=dict)
    _failures: dict[str, list[int]] = field(default_factory=dict)
    _nonces: set[str] = field(default_factory=set)
    _last_end: float | None = None
    _listeners: list[GameListener] = field(default_factory=list)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # --- for tests and the danmaku side ---------------------------------------------------
    def fail_next(self, path: str, code: int, times: int = 1) -> None:
        """The next ``times`` calls of ``path`` (e.g. ``/v2/app/start``) answer ``code``."""
        with self._lock:
            self._failures.setdefault(path, []).extend([code] * times)

    def on_game_closed(self, listener: GameListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def expire(self, game_id: str | None = None) -> StandinGame:
        """Close a running game (the newest when None) as the platform does when its heartbeats
        stop: heartbeats then answer 7003."""
        with self._lock:
            game = self.games[game_id] if game_id else self.running()[-1]
        self._close(game, "heartbeat")
        return game

    def running(self) -> list[StandinGame]:
        self.check_heartbeats()
        with self._lock:
            return [g for g in self.games.values() if g.status == "running"]

    def auth_ok(self, body: bytes) -> StandinGame | None:
        """The running game whose ``auth_body`` is exactly ``body``, if any."""
        for game in self.running():
            if game.auth_body.encode() == body:
                return game
        return None

    def calls_of(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def check_heartbeats(self) -> None:
        """Close every running game whose last heartbeat is older than the timeout."""
        now = time.monotonic()
        with self._lock:
            late = [
                g
                for g in self.games.values()
                if g.status == "running" and now - g.last_heartbeat > self.heartbeat_timeout
            ]
        for game in late:
            self._close(game, "heartbeat")

    def _close(self, game: StandinGame, reason: str) -> None:
        with self._lock:
            if game.status != "running":
                return
            game.status = "ended" if reason == "ended" else "closed"
            listeners = list(self._listeners)
        for listener in listeners:
            listener(game, reason)

    # --- the API ----------------------------------------------------------------------------
    def handle(self, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        """The envelope answered for one request (the HTTP layer only passes bytes through)."""
        self.check_heartbeats()
        code, data, game_id = self._answer(path, headers, body)
        with self._lock:
            self.calls.append(Call(path, time.monotonic(), code, game_id))
        return {
            "code": code,
            "message": MESSAGES.get(code, "0" if code == 0 else "error"),
            "request_id": secrets.token_hex(8),
            "data": data,
        }

    def _answer(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any], str]:
        problem = self._signature_problem(headers, body)
        if problem:
            return problem, {}, ""
        try:
            req = orjson.loads(body)
        except orjson.JSONDecodeError:
            return 4000, {}, ""
        if not isinstance(req, dict):
            return 4000, {}, ""
        game_id = str(req.get("game_id") or "")
        with self._lock:
            failures = self._failures.get(path)
            if failures:
                return failures.pop(0), {}, game_id
        if path == "/v2/app/start":
            return self._start(req)
        if path == "/v2/app/heartbeat":
            return self._heartbeat(game_id), {}, game_id
        if path == "/v2/app/end":
            if req.get("app_id") != self.app_id:
                return 8002, {}, game_id
            return self._end(game_id), {}, game_id
        return 4010, {}, ""

    def _signature_problem(self, headers: dict[str, str], body: bytes) -> int:
        h = {k.lower(): v for k, v in headers.items()}
        if h.get("x-bili-accesskeyid") != self.access_key_id:
            return 4001
        if h.get("x-bili-signature-method") != "HMAC-SHA256":
            return 4005
        if h.get("x-bili-signature-version") != "1.0":
            return 4006
        try:
            stamp = int(h.get("x-bili-timestamp", ""))
        except ValueError:
            return 4003
        if abs(time.time() - stamp) > self.clock_skew:
            return 4003
        if not verify_open_live(h, body, self.access_key_secret):
            # verify_open_live checks both; the error code tells them apart
            if h.get("x-bili-content-md5") != hashlib.md5(body).hexdigest():
                return 4012
            return 4002
        nonce = h.get("x-bili-signature-nonce", "")
        with self._lock:
            if not nonce or nonce in self._nonces:
                return 4004
            self._nonces.add(nonce)
        return 0

    def _start(self, req: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
        if req.get("app_id") != self.app_id:
            return 8002, {}, ""
        if req.get("code") != self.code:
            return 7007, {}, ""
        now = time.monotonic()
        with self._lock:
            if any(g.status == "running" for g in self.games.values()):
                return 7002, {}, ""
            if self._last_end is not None and now - self._last_end < self.cooldown:
                return 7001, {}, ""
            game_id = secrets.token_hex(16)
            auth_body = orjson.dumps(
                {
                    "roomid": self.room_id,
                    "protoover": 2,
                    "uid": 0,
                    "key": secrets.token_urlsafe(24),
                    "group": "open",
                }
            ).decode()
            self.games[game_id] = StandinGame(game_id, self.room_id, auth_body, now, now)
            links = list(self.wss_links)
        data = {
            "game_info": {"game_id": game_id},
            "websocket_info": {"auth_body": auth_body, "wss_link": links},
            "anchor_info": {
                "room_id": self.room_id,
                "uname": self.uname,
                "uface": "https://i0.hdslb.com/bfs/face/member/noface.jpg",
                "uid": 0,
                "open_id": self.anchor_open_id,
                "union_id": "",
            },
        }
        return 0, data, game_id

    def _heartbeat(self, game_id: str) -> int:
        with self._lock:
            game = self.games.get(game_id)
            if game is None or game.status != "running":
                return 7003
            game.last_heartbeat = time.monotonic()
        return 0

    def _end(self, game_id: str) -> int:
        with self._lock:
            game = self.games.get(game_id)
            if game is None or game.status == "closed":
                return 7003
            if game.status == "ended":
                return 7000
            self._last_end = time.monotonic()
        self._close(game, "ended")
        return 0


MESSAGES = {
    4000: "参数错误",
    4001: "应用无效",
    4002: "签名异常",
    4003: "请求过期",
    4004: "重复请求",
    4005: "签名method异常",
    4006: "版本异常",
    4010: "接口不存在",
    4012: "MD5校验失败",
    7000: "不在游戏内",
    7001: "请求冷却期",
    7002: "房间重复游戏",
    7003: "心跳过期",
    7007: "身份码错误",
    8002: "项目无权限访问",
}


def make_app(standin: OpenLiveStandin) -> FastAPI:
    """The HTTP face of ``standin`` (answers 200 with the envelope, as the real API does)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    async def answer(request: Request) -> Response:
        body = await request.body()
        envelope = standin.handle(request.url.path, dict(request.headers), body)
        return Response(orjson.dumps(envelope), media_type="application/json")

    for path in ("/v2/app/start", "/v2/app/heartbeat", "/v2/app/end"):
        app.add_api_route(path, answer, methods=["POST"])

    async def watch_heartbeats() -> None:
        while True:
            await asyncio.sleep(max(0.05, standin.heartbeat_timeout / 10))
            standin.check_heartbeats()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        task = asyncio.get_running_loop().create_task(watch_heartbeats())
        try:
            yield
        finally:
            task.cancel()

    app.router.lifespan_context = lifespan
    return app


class ServerThread:
    """An ASGI app served by uvicorn on 127.0.0.1 (a free port) from a thread of its own."""

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        sock.listen(128)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)  # no signal handlers outside the main thread
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[sock])),
            name="standin-http",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the stand-in HTTP server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()


@contextlib.contextmanager
def run_in_thread(standin: OpenLiveStandin) -> Iterator[ServerThread]:
    """Serve ``standin`` while the block runs; its URL is the ``LIVEDESK_BILIBILI_OPEN_BASE``."""
    server = ServerThread(make_app(standin))
    try:
        yield server
    finally:
        server.stop()
