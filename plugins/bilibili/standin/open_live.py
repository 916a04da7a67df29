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
  the real platform; configurable so that tests run fast) is closed (checked on every request
  and every danmaku auth).
- ``end {app_id, game_id}``: 0 for a running game; 7000 for one already ended, 7003 for one
  unknown or closed by the platform (the real platform's answers, which clients treat as done).

Tests script failures (:meth:`OpenLiveStandin.fail_next`: the next N calls of a path answer a
code), close a game as if its heartbeats had stopped (:meth:`OpenLiveStandin.expire`), and read
what was asked (:attr:`OpenLiveStandin.calls`: path, time, code answered, game id).

The long connection is the shared danmaku stand-in (:mod:`plugins.bilibili.standin.danmaku`) on
the same app (``/sub``): its auth accepts exactly the ``auth_body`` of a running game (else
-101), and ``wss_link`` names this server unless :attr:`OpenLiveStandin.wss_links` says
otherwise. Serve :meth:`OpenLiveStandin.app` with :mod:`plugins.bilibili.standin.runner`, or run
``python -m plugins.bilibili.standin.open_live [--script steps.json]`` (a demo room by default):
it prints the ``LIVEDESK_BILIBILI_*`` environment that points ``livedesk events --platform
bilibili`` (or the console) at it.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plugins.bilibili import samples
from plugins.bilibili.signing import verify_open_live
from plugins.bilibili.standin.danmaku import (
    AUTH_OK,
    AUTH_REJECTED,
    DanmakuOptions,
    DanmakuStandIn,
    Script,
    Step,
    frame,
)
from plugins.bilibili.standin.runner import serve_in_thread


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
    #: the danmaku links a start hands out; empty: this server's ``/sub`` (twice, as the real
    #: platform lists several hosts)
    wss_links: list[str] = field(default_factory=list)
    danmaku: DanmakuStandIn = field(default_factory=DanmakuStandIn)
    calls: list[Call] = field(default_factory=list)
    games: dict[str, StandinGame] = field(default_factory=dict)
    _failures: dict[str, list[int]] = field(default_factory=dict)
    _nonces: set[str] = field(default_factory=set)
    _last_end: float | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.danmaku.check_auth = self._check_auth

    @classmethod
    def scripted(
        cls,
        steps: Script | Sequence[Step],
        danmaku: DanmakuOptions | None = None,
        **options: Any,
    ) -> OpenLiveStandin:
        """A stand-in whose long connection plays ``steps`` (see the danmaku stand-in)."""
        return cls(danmaku=DanmakuStandIn(steps, danmaku), **options)

    def app(self) -> Starlette:
        """The HTTP API and the long connection (``/sub``) on one app."""
        routes: list[Any] = [
            Route(path, self._endpoint, methods=["POST"])
            for path in ("/v2/app/start", "/v2/app/heartbeat", "/v2/app/end")
        ]
        return Starlette(routes=[*routes, self.danmaku.route("/sub")])

    async def _endpoint(self, request: Request) -> Response:
        body = await request.body()
        host = f"{request.url.hostname or '127.0.0.1'}:{request.url.port or 80}"
        envelope = self.handle(request.url.path, dict(request.headers), body, host=host)
        return Response(orjson.dumps(envelope), media_type="application/json")

    def _check_auth(self, body: bytes) -> int:
        return AUTH_OK if self.auth_ok(body) is not None else AUTH_REJECTED

    # --- for tests and the danmaku side ---------------------------------------------------
    def fail_next(self, path: str, code: int, times: int = 1) -> None:
        """The next ``times`` calls of ``path`` (e.g. ``/v2/app/start``) answer ``code``."""
        with self._lock:
            self._failures.setdefault(path, []).extend([code] * times)

    def expire(self, game_id: str | None = None) -> StandinGame:
        """Close a running game (the newest when None) as the platform does when its heartbeats
        stop: heartbeats then answer 7003."""
        with self._lock:
            game = self.games[game_id] if game_id else self.running()[-1]
        self._close(game, "closed")
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
            self._close(game, "closed")

    def _close(self, game: StandinGame, status: str) -> None:
        with self._lock:
            if game.status == "running":
                game.status = status

    # --- the API ----------------------------------------------------------------------------
    def handle(
        self, path: str, headers: dict[str, str], body: bytes, *, host: str = "127.0.0.1:80"
    ) -> dict[str, Any]:
        """The envelope answered for one request (the HTTP layer only passes bytes through);
        ``host`` is this server's ``host:port`` as the client reached it."""
        self.check_heartbeats()
        code, data, game_id = self._answer(path, headers, body, host)
        with self._lock:
            self.calls.append(Call(path, time.monotonic(), code, game_id))
        return {
            "code": code,
            "message": MESSAGES.get(code, "0" if code == 0 else "error"),
            "request_id": secrets.token_hex(8),
            "data": data,
        }

    def _answer(
        self, path: str, headers: dict[str, str], body: bytes, host: str
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
            return self._start(req, host)
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

    def _start(self, req: dict[str, Any], host: str) -> tuple[int, dict[str, Any], str]:
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
            links = list(self.wss_links) or [f"ws://{host}/sub"] * 2
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


def demo_script(rounds: int = 60, pause: float = 1.0) -> list[Step]:
    """A lively room for demos and screenshots: each round a few danmaku, a gift, a like and an
    entry; every fifth a Super Chat, every tenth a guard; the broadcast starts first."""
    s = samples
    names = ["小猫不吃鱼", "今天也要加油", "路过的观众", "深夜食堂", "柠檬不酸", "阿肥"]
    steps: list[Step] = [frame(s.open_live_start("demo-start"))]
    for i in range(rounds):
        who, n = names[i % len(names)], f"demo-{i}"
        cmds = [
            s.open_dm(
                f"{n}-dm", f"open-{i % 17}", who, ["主播好", "这个多少钱", "扣1", "好看"][i % 4]
            ),
            s.open_gift(f"{n}-gift", f"open-{i % 11}", who, "小花花", 1 + i % 3, 100),
            s.open_like(f"{n}-like", f"open-{i % 7}", who, 1 + i % 5),
            s.open_enter(f"open-{100 + i}", f"新观众{i}"),
        ]
        if i % 5 == 4:
            cmds.append(s.open_super_chat(f"{n}-sc", f"open-{i % 13}", who, 30, "主播讲讲这款"))
        if i % 10 == 9:
            cmds.append(s.open_guard(f"{n}-guard", f"open-{i % 19}", who))
        steps += [frame(*cmds), {"sleep": pause}]
    return steps


def main(argv: list[str] | None = None) -> int:
    """``python -m plugins.bilibili.standin.open_live``: serve the stand-in until Ctrl+C; prints
    one JSON line with the environment ``livedesk events --platform bilibili`` needs."""
    p = argparse.ArgumentParser(description="open-live (直播开放平台) stand-in on 127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: a free port")
    p.add_argument("--script", type=Path, help="a JSON list of danmaku steps (default: a demo)")
    p.add_argument("--heartbeat-timeout", type=float, default=60.0)
    p.add_argument("--cooldown", type=float, default=0.0, help="7001 after an end, seconds")
    args = p.parse_args(argv)
    steps = Script.from_json(args.script.read_bytes()) if args.script else demo_script()
    standin = OpenLiveStandin.scripted(
        steps, heartbeat_timeout=args.heartbeat_timeout, cooldown=args.cooldown
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with serve_in_thread(standin.app(), port=args.port) as served:
        env = {
            "LIVEDESK_BILIBILI_OPEN_BASE": served.base,
            "LIVEDESK_BILIBILI_APP_ID": str(standin.app_id),
            "LIVEDESK_BILIBILI_ACCESS_KEY_ID": standin.access_key_id,
            "LIVEDESK_BILIBILI_ACCESS_KEY_SECRET": standin.access_key_secret,  # the stand-in's
            "LIVEDESK_BILIBILI_CODE": standin.code,
        }
        print(orjson.dumps(env).decode(), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
