"""The web HTTP stand-in: the endpoints the ``bilibili-web`` adapter calls, plus ``/sub``.

One Starlette app on one port stands for every Bilibili web host (``www.bilibili.com``,
``api.bilibili.com``, ``api.live.bilibili.com``) — the adapter's ``LIVEDESK_BILIBILI_WEB_BASE``
points all of them here — and for the danmaku host: ``host_list`` names this server.

- ``GET /`` sets the ``buvid3`` cookie (a new value per request, recorded in :attr:`buvids`).
- ``GET /x/web-interface/nav`` → ``data.wbi_img.img_url/sub_url`` (the WBI keys); ``code`` 0 and
  ``isLogin`` true when the ``SESSDATA`` cookie is :attr:`WebOptions.sessdata`, else ``-101``
  with the keys still present (as the real one answers guests).
- ``GET /room/v1/Room/get_info?room_id=`` → the real room id for a short id (or the real id).
- ``GET /xlive/web-room/v1/index/getDanmuInfo?id=&type=0&web_location=&wts=&w_rid=`` → ``token``
  and ``host_list``. ``-352`` (risk control) when the WBI signature is wrong (checked with
  :func:`plugins.bilibili.signing.wbi_sign`), ``wts`` is stale, or the ``buvid3`` cookie is
  missing, and for the first :attr:`WebOptions.risk_control` requests whatever they carry; ``-101``
  when :attr:`WebOptions.require_login` and no valid ``SESSDATA``. Every request is recorded in
  :attr:`WebStandIn.requests` (path + query + cookies).
- The danmaku auth check: the ``key`` must be a token this server issued, ``roomid`` the real
  room id, ``buvid`` a buvid3 it set, and ``uid`` 0 for a guest or the SESSDATA owner's uid.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from plugins.bilibili import signing
from plugins.bilibili.standin.danmaku import (
    AUTH_OK,
    AUTH_REJECTED,
    DanmakuOptions,
    DanmakuStandIn,
    Script,
    Step,
)

# the research notes' known-answer keys (any 32-hex pair works)
IMG_KEY = "7cd084941338484aae1ad9425b84077c"
SUB_KEY = "4932caff0ff746eab6f01bf08b70ac45"
WTS_SKEW = 600  # seconds a signature's timestamp may be off


@dataclass
class WebOptions:
    short_id: int = 6
    room_id: int = 21452505
    sessdata: str = "standin-sessdata"  # the SESSDATA value that counts as logged in
    login_uid: int = 5550001  # the uid owning that SESSDATA
    risk_control: int = 0  # answer -352 to this many getDanmuInfo requests first
    require_login: bool = False  # getDanmuInfo answers -101 to guests
    ws_hosts: int = 2  # entries in host_list (all naming this server)


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    cookies: dict[str, str]
    code: int | None = None


@dataclass
class WebStandIn:
    options: WebOptions = field(default_factory=WebOptions)
    danmaku: DanmakuStandIn = field(default_factory=DanmakuStandIn)
    requests: list[Recorded] = field(default_factory=list)
    buvids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    _risk_left: int = -1

    def __post_init__(self) -> None:
        self._risk_left = self.options.risk_control
        self.danmaku.check_auth = self.check_auth

    @classmethod
    def scripted(
        cls,
        steps: Script | list[Step],
        options: WebOptions | None = None,
        danmaku: DanmakuOptions | None = None,
    ) -> WebStandIn:
        return cls(options or WebOptions(), DanmakuStandIn(steps, danmaku))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/", self.home),
                Route("/x/web-interface/nav", self.nav),
                Route("/room/v1/Room/get_info", self.room_info),
                Route("/xlive/web-room/v1/index/getDanmuInfo", self.danmu_info),
                self.danmaku.route("/sub"),
            ]
        )

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # --- HTTP -------------------------------------------------------------------------------

    def _record(self, request: Request) -> Recorded:
        rec = Recorded(request.url.path, dict(request.query_params), dict(request.cookies))
        self.requests.append(rec)
        return rec

    def _answer(self, rec: Recorded, code: int, data: Any, message: str = "0") -> Response:
        rec.code = code
        return JSONResponse({"code": code, "message": message, "ttl": 1, "data": data})

    def _uid_of(self, cookies: dict[str, str]) -> int:
        return self.options.login_uid if cookies.get("SESSDATA") == self.options.sessdata else 0

    async def home(self, request: Request) -> Response:
        self._record(request)
        buvid = f"{str(uuid.uuid4()).upper()}{secrets.randbelow(100000):05d}infoc"
        self.buvids.append(buvid)
        resp = Response("<!DOCTYPE html><title>哔哩哔哩 (stand-in)</title>", media_type="text/html")
        resp.set_cookie("buvid3", buvid, path="/", max_age=31536000)
        return resp

    async def nav(self, request: Request) -> Response:
        rec = self._record(request)
        uid = self._uid_of(rec.cookies)
        wbi = {
            "img_url": f"https://i0.hdslb.com/bfs/wbi/{IMG_KEY}.png",
            "sub_url": f"https://i0.hdslb.com/bfs/wbi/{SUB_KEY}.png",
        }
        if uid:
            data = {"isLogin": True, "mid": uid, "uname": "登录用户", "wbi_img": wbi}
            return self._answer(rec, 0, data)
        return self._answer(rec, -101, {"isLogin": False, "wbi_img": wbi}, "账号未登录")

    async def room_info(self, request: Request) -> Response:
        rec = self._record(request)
        raw = rec.query.get("room_id", "")
        if not raw.isdigit() or int(raw) not in (self.options.short_id, self.options.room_id):
            return self._answer(rec, 1, None, "房间不存在")
        data = {
            "uid": 5414290,
            "room_id": self.options.room_id,
            "short_id": self.options.short_id,
            "live_status": 1,
            "title": "stand-in room",
        }
        return self._answer(rec, 0, data)

    async def danmu_info(self, request: Request) -> Response:
        rec = self._record(request)
        query = dict(rec.query)
        if self._risk_left > 0:
            self._risk_left -= 1
            return self._answer(rec, -352, None, "-352")
        if not self._signed(query) or rec.cookies.get("buvid3") not in self.buvids:
            return self._answer(rec, -352, None, "-352")
        if query.get("id") != str(self.options.room_id):
            return self._answer(rec, 1, None, "房间不存在")
        if self.options.require_login and not self._uid_of(rec.cookies):
            return self._answer(rec, -101, None, "账号未登录")
        token = secrets.token_urlsafe(96)
        self.tokens.append(token)
        host, port = request.url.hostname or "127.0.0.1", request.url.port or 80
        hosts = [
            {"host": host, "port": port, "wss_port": port, "ws_port": port}
            for _ in range(self.options.ws_hosts)
        ]
        data = {"group": "live", "business_id": 0, "refresh_row_factor": 0.125,
                "refresh_rate": 100, "max_delay": 5000, "token": token, "host_list": hosts}  # fmt: skip
        return self._answer(rec, 0, data)

    def _signed(self, query: dict[str, str]) -> bool:
        w_rid = query.pop("w_rid", None)
        wts = query.pop("wts", "")
        if w_rid is None or not wts.isdigit() or abs(int(wts) - time.time()) > WTS_SKEW:
            return False
        want = signing.wbi_sign(query, IMG_KEY, SUB_KEY, wts=int(wts))["w_rid"]
        return secrets.compare_digest(want, w_rid)

    # --- danmaku auth -----------------------------------------------------------------------

    def check_auth(self, body: bytes) -> int:
        try:
            auth = orjson.loads(body)
        except orjson.JSONDecodeError:
            return AUTH_REJECTED
        if not isinstance(auth, dict):
            return AUTH_REJECTED
        uid = auth.get("uid")
        ok = (
            auth.get("key") in self.tokens
            and auth.get("roomid") == self.options.room_id
            and auth.get("buvid") in self.buvids
            and uid in (0, self.options.login_uid)
            and auth.get("protover") in (2, 3)
        )
        return AUTH_OK if ok else AUTH_REJECTED
