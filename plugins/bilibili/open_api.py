"""The open-live (直播开放平台) HTTP API: start, heartbeat and end a game, signed.

``POST {base}/v2/app/start|heartbeat|end`` with the ``x-bili-*`` HMAC-SHA256 headers of
:func:`plugins.bilibili.signing.open_live_headers`; ``base`` is ``https://live-open.biliapi.com``
unless ``LIVEDESK_BILIBILI_OPEN_BASE`` (or the caller) says otherwise (tests, mock servers).
Every answer is the envelope ``{code, message, request_id, data}``.

Guarantees:

- The body is serialised once and those exact bytes are both signed (content-md5) and sent.
- Neither the access key secret nor the 身份码 (``code``) ever appears in a log line, an
  exception message or a repr: :class:`Credentials` hides them, and errors name only the
  platform's code and message.
- :class:`OpenLiveError` carries the platform's ``code`` and says what the caller should do
  (:attr:`OpenLiveError.kind`): ``restart`` (7003: the game is gone, start a new one),
  ``cooldown`` (7001: the last game is still being settled, retry in ~10 s), ``credentials``
  (a refused signature, app, or 身份码: retrying cannot help), ``other``. Transport failures and
  non-JSON answers are :class:`OpenLiveUnreachable`.
- :meth:`OpenLiveApi.end` treats 7000 (no game running) and 7003 (already closed) as success,
  as the platform's docs tell clients to.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from plugins.bilibili.signing import open_live_headers

log = logging.getLogger(__name__)

DEFAULT_BASE = "https://live-open.biliapi.com"
BASE_ENV = "LIVEDESK_BILIBILI_OPEN_BASE"
#: seconds for one request (the platform answers in well under a second)
REQUEST_TIMEOUT = 10.0

# codes of the platform's public error table (open-live.bilibili.com/document, 公共错误码)
OK = 0
NOT_IN_GAME = 7000  # 不在游戏内
COOLDOWN = 7001  # 请求冷却期: the last game is still being settled, retry in ~10 s
ROOM_BUSY = 7002  # 房间重复游戏: another game runs in the room
GAME_GONE = 7003  # 心跳过期: wrong game_id or the game was closed
BAD_CODE = 7007  # 身份码错误
#: refusals that retrying cannot fix: the app's keys, signature, app id or the streamer's code
CREDENTIAL_CODES = frozenset({4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4012, BAD_CODE, 8002})


def open_base(explicit: str | None = None) -> str:
    """The API's base URL: ``explicit``, else ``$LIVEDESK_BILIBILI_OPEN_BASE``, else the real one."""
    return (explicit or os.environ.get(BASE_ENV) or DEFAULT_BASE).rstrip("/")


@dataclass(frozen=True, slots=True)
class Credentials:
    """The team's registered app (id, key id, key secret) and the streamer's 身份码."""

    app_id: int
    access_key_id: str
    access_key_secret: str = field(repr=False)
    code: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Game:
    """What ``/v2/app/start`` answered: one game (场次) and where its long connection is."""

    game_id: str
    auth_body: str = field(repr=False)  # sent verbatim as the danmaku auth packet
    wss_links: tuple[str, ...]
    room_id: int
    uname: str = ""
    uid: int = 0  # 0 since 2024-04: the anchor is identified by open_id
    open_id: str = ""


class OpenLiveUnreachable(Exception):
    """The platform could not be asked (network error, timeout, an answer that is not JSON)."""


class OpenLiveError(Exception):
    """The platform answered with a non-zero ``code``."""

    def __init__(self, code: int, message: str, path: str) -> None:
        super().__init__(f"{path}: code {code} ({message})")
        self.code = code
        self.message = message
        self.path = path

    @property
    def kind(self) -> str:
        if self.code == GAME_GONE:
            return "restart"
        if self.code == COOLDOWN:
            return "cooldown"
        if self.code in CREDENTIAL_CODES:
            return "credentials"
        return "other"


class OpenLiveApi:
    """Signed calls to the open-live HTTP API for one app and one streamer."""

    def __init__(
        self,
        credentials: Credentials,
        base: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.credentials = credentials
        self.base = open_base(base)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` signed to ``path``; the envelope's ``data`` (``{}`` when absent).
        Raises :class:`OpenLiveError` for a non-zero code, :class:`OpenLiveUnreachable` when
        there is no usable answer."""
        raw = orjson.dumps(body)
        cred = self.credentials
        headers = open_live_headers(raw, cred.access_key_id, cred.access_key_secret)
        try:
            resp = await self._http.post(self.base + path, content=raw, headers=headers)
        except httpx.HTTPError as exc:
            raise OpenLiveUnreachable(f"{path}: {type(exc).__name__}: {exc}") from None
        try:
            envelope = orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            raise OpenLiveUnreachable(f"{path}: HTTP {resp.status_code}, not JSON") from None
        if not isinstance(envelope, dict) or not isinstance(envelope.get("code"), int):
            raise OpenLiveUnreachable(f"{path}: HTTP {resp.status_code}, no code in the answer")
        code = envelope["code"]
        if code != OK:
            message = envelope.get("message")
            raise OpenLiveError(code, str(message)[:200] if message else "", path)
        data = envelope.get("data")
        return data if isinstance(data, dict) else {}

    async def start(self) -> Game:
        """``/v2/app/start``: a new game for the streamer's room."""
        cred = self.credentials
        data = await self.call("/v2/app/start", {"code": cred.code, "app_id": cred.app_id})
        try:
            return _game(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise OpenLiveUnreachable(f"/v2/app/start: unexpected answer ({exc})") from None

    async def heartbeat(self, game_id: str) -> None:
        """``/v2/app/heartbeat``; the platform closes a game after 60 s without one."""
        await self.call("/v2/app/heartbeat", {"game_id": game_id})

    async def end(self, game_id: str) -> None:
        """``/v2/app/end``; a game that is already over (7000/7003) counts as ended."""
        try:
            await self.call("/v2/app/end", {"app_id": self.credentials.app_id, "game_id": game_id})
        except OpenLiveError as exc:
            if exc.code not in (NOT_IN_GAME, GAME_GONE):
                raise


def _game(data: dict[str, Any]) -> Game:
    ws = data["websocket_info"]
    links = tuple(str(u) for u in ws["wss_link"] if isinstance(u, str) and u)
    if not links:
        raise ValueError("no wss_link")
    auth_body = ws["auth_body"]
    if not isinstance(auth_body, str) or not auth_body:
        raise ValueError("no auth_body")
    anchor = data.get("anchor_info") or {}
    return Game(
        game_id=str(data["game_info"]["game_id"]),
        auth_body=auth_body,
        wss_links=links,
        room_id=int(anchor.get("room_id") or 0),
        uname=str(anchor.get("uname") or ""),
        uid=int(anchor.get("uid") or 0),
        open_id=str(anchor.get("open_id") or ""),
    )
