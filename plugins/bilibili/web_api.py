"""The web HTTP chain that leads to a danmaku connection: buvid3 → nav (WBI keys) → real room
id → signed ``getDanmuInfo`` (token + hosts).

Endpoints: ``https://www.bilibili.com/`` (the ``buvid3`` cookie), ``https://api.bilibili.com``
(``/x/web-interface/nav``) and ``https://api.live.bilibili.com`` (``/room/v1/Room/get_info``,
``/xlive/web-room/v1/index/getDanmuInfo``); ``LIVEDESK_BILIBILI_WEB_BASE`` replaces all three
(tests and mock servers). With an ``http://`` base the danmaku socket is
``ws://<host_list[i].host>:<ws_port>/sub``, otherwise ``wss://<host>:<wss_port>/sub``.

Guarantees of :meth:`WebApi.initialise`:

- It returns a :class:`DanmakuInit` (real room id, live state, the uid to authenticate as, the
  buvid3, the token and the socket URLs in ``host_list`` order), or raises
  :class:`~app.api.PlatformError` whose message is one sentence in the UI language: an unknown
  room (``room_not_found``), Bilibili refusing us (``risk_control`` after
  :data:`RISK_RETRIES` fresh attempts), or :class:`~app.api.OfflineError` when Bilibili cannot be
  reached.
- ``-352`` (risk control: missing buvid3, a stale WBI key) forgets the WBI keys and the buvid3
  and starts the chain again. ``-101`` from ``getDanmuInfo`` with a SESSDATA means the SESSDATA
  expired: the chain goes on as a guest and :attr:`WebApi.notes` says so.
- The SESSDATA is sent only to Bilibili's hosts (or the configured base) and never logged.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from app.api import OfflineError, PlatformError, tr
from plugins.bilibili import signing

log = logging.getLogger(__name__)

BASE_ENV = "LIVEDESK_BILIBILI_WEB_BASE"
SESSDATA_ENV = "LIVEDESK_BILIBILI_SESSDATA"
WWW = "https://www.bilibili.com"
API = "https://api.bilibili.com"
LIVE_API = "https://api.live.bilibili.com"
WEB_LOCATION = "444.8"
RISK_RETRIES = 2  # fresh chains after a -352 before giving up
WBI_TTL = 12 * 3600.0  # the WBI keys change daily; refresh well before
TIMEOUT = 10.0
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@dataclass(frozen=True, slots=True)
class Endpoints:
    www: str = WWW
    api: str = API
    live: str = LIVE_API

    @classmethod
    def from_base(cls, base: str | None) -> Endpoints:
        if not base:
            return cls()
        b = base.rstrip("/")
        return cls(b, b, b)

    @property
    def plain(self) -> bool:
        """An ``http://`` base (a local stand-in): the danmaku socket is ``ws://`` too."""
        return self.live.startswith("http://")


@dataclass(frozen=True, slots=True)
class DanmakuInit:
    room_id: int
    short_id: int
    live: bool
    uid: int  # 0 for a guest
    buvid: str
    token: str
    urls: tuple[str, ...]

    def auth_body(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "roomid": self.room_id,
            "protover": 3,
            "platform": "web",
            "type": 2,
            "buvid": self.buvid,
            "key": self.token,
        }


class _RiskControl(Exception):
    """-352: start the chain again from a fresh buvid3 and fresh WBI keys."""


@dataclass
class WebApi:
    endpoints: Endpoints = field(default_factory=Endpoints)
    sessdata: str | None = None
    transport: httpx.AsyncBaseTransport | None = None
    notes: list[str] = field(default_factory=list)  # what the operator should know (plain text)
    _buvid: str | None = None
    _wbi: tuple[str, str, float] | None = None  # img key, sub key, fetched at (monotonic)
    _uid: int = 0
    _http: httpx.AsyncClient | None = None

    @classmethod
    def from_env(cls, settings: dict[str, Any]) -> WebApi:
        base = settings.get("base") or os.environ.get(BASE_ENV)
        sessdata = settings.get("sessdata") or os.environ.get(SESSDATA_ENV) or None
        return cls(Endpoints.from_base(base), sessdata)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=httpx.Timeout(TIMEOUT),
                headers={"User-Agent": USER_AGENT, "Referer": "https://live.bilibili.com/"},
                transport=self.transport,
                follow_redirects=True,
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def _cookies(self) -> dict[str, str]:
        jar = {}
        if self._buvid:
            jar["buvid3"] = self._buvid
        if self.sessdata:
            jar["SESSDATA"] = self.sessdata
        return jar

    async def _get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self._cookies().items())
        try:
            resp = await self._client().get(
                url, params=params, headers={"Cookie": cookie} if cookie else None
            )
        except httpx.TransportError as exc:
            log.warning("Bilibili web request to %s failed: %s", urlsplit(url).path, exc)
            raise OfflineError(tr("连不上B站，请检查网络")) from None
        if resp.status_code == 412:  # Bilibili's risk-control ban answers with HTTP 412
            raise _RiskControl
        return resp

    async def _json(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        resp = await self._get(url, params)
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("code"), int):
            log.warning(
                "Bilibili %s answered HTTP %s, not JSON", urlsplit(url).path, resp.status_code
            )
            raise PlatformError("bad_answer", tr("B站返回了无法识别的内容，请稍后再试"))
        if body["code"] == -352:
            raise _RiskControl
        return body

    # --- the chain ----------------------------------------------------------------------------

    async def buvid3(self) -> str:
        if self._buvid is None:
            resp = await self._get(self.endpoints.www + "/")
            buvid = resp.cookies.get("buvid3")
            if not buvid:
                raise PlatformError("bad_answer", tr("B站没有发放访客标识 (buvid3)，请稍后再试"))
            self._buvid = buvid
        return self._buvid

    async def wbi_keys(self) -> tuple[str, str]:
        if self._wbi is None or time.monotonic() - self._wbi[2] > WBI_TTL:
            body = await self._json(self.endpoints.api + "/x/web-interface/nav")
            raw = body.get("data")
            data: dict[str, Any] = raw if isinstance(raw, dict) else {}
            raw = data.get("wbi_img")
            wbi: dict[str, Any] = raw if isinstance(raw, dict) else {}
            img = signing.wbi_key_from_url(str(wbi.get("img_url") or ""))
            sub = signing.wbi_key_from_url(str(wbi.get("sub_url") or ""))
            if len(img + sub) <= max(signing.MIXIN_TABLE):
                raise PlatformError("bad_answer", tr("B站没有返回签名密钥 (WBI)，请稍后再试"))
            mid = data.get("mid")
            self._uid = mid if data.get("isLogin") and isinstance(mid, int) else 0
            if self.sessdata and not self._uid:
                self._note_expired()
            self._wbi = (img, sub, time.monotonic())
        return self._wbi[0], self._wbi[1]

    def _note_expired(self) -> None:
        self.sessdata = None
        self.notes.append(
            tr("B站登录已失效（SESSDATA 过期或无效），已改用游客连接：观众昵称可能显示为 张****")
        )
        log.warning("the Bilibili SESSDATA was refused: connecting as a guest")

    async def room_info(self, room: str) -> tuple[int, int, bool]:
        """``room`` (short or real id) → (real id, short id, live)."""
        if not room.isdigit() or len(room) > 18:
            raise PlatformError(
                "room_not_found", tr("B站直播间号应为数字：{room}").format(room=room)
            )
        body = await self._json(self.endpoints.live + "/room/v1/Room/get_info", {"room_id": room})
        data = body.get("data")
        real = data.get("room_id") if isinstance(data, dict) else None
        if body["code"] != 0 or not isinstance(real, int) or real <= 0:
            raise PlatformError("room_not_found", tr("B站没有直播间 {room}").format(room=room))
        assert isinstance(data, dict)
        short = data.get("short_id")
        return real, short if isinstance(short, int) else 0, data.get("live_status") == 1

    async def danmu_info(self, room_id: int) -> tuple[str, tuple[str, ...]]:
        img, sub = await self.wbi_keys()
        params = signing.wbi_sign(
            {"id": room_id, "type": 0, "web_location": WEB_LOCATION}, img, sub
        )
        url = self.endpoints.live + "/xlive/web-room/v1/index/getDanmuInfo"
        body = await self._json(url, params)
        if body["code"] == -101 and self.sessdata:
            self._note_expired()
            self._wbi = None
            return await self.danmu_info(room_id)
        data = body.get("data")
        if (
            body["code"] != 0
            or not isinstance(data, dict)
            or not isinstance(data.get("token"), str)
        ):
            message = str(body.get("message") or body["code"])[:200]
            raise PlatformError(
                "danmaku_refused",
                tr("B站拒绝了弹幕连接请求：{why}").format(why=message),
            )
        return data["token"], self._urls(data.get("host_list"))

    def _urls(self, hosts: object) -> tuple[str, ...]:
        plain = self.endpoints.plain
        urls = []
        for h in hosts if isinstance(hosts, list) else []:
            if not isinstance(h, dict) or not isinstance(h.get("host"), str):
                continue
            port = h.get("ws_port" if plain else "wss_port")
            if isinstance(port, int) and 0 < port < 65536:
                urls.append(f"{'ws' if plain else 'wss'}://{h['host']}:{port}/sub")
        if not urls:  # Bilibili's default danmaku host
            urls.append("wss://broadcastlv.chat.bilibili.com:443/sub")
        return tuple(urls)

    async def initialise(self, room: str) -> DanmakuInit:
        """The whole chain; see the module docstring."""
        for _attempt in range(RISK_RETRIES + 1):
            try:
                buvid = await self.buvid3()
                real, short, live = await self.room_info(room)
                token, urls = await self.danmu_info(real)
            except _RiskControl:
                log.warning("Bilibili answered -352 (risk control): starting the chain again")
                self._buvid = None
                self._wbi = None
                continue
            return DanmakuInit(real, short, live, self._uid, buvid, token, urls)
        raise PlatformError(
            "risk_control",
            tr("B站风控拒绝了连接 (-352)，请稍后再试，或在连接设置中填写 SESSDATA"),
        )
