"""The local Twitch: an EventSub WebSocket server and the Helix/OAuth HTTP endpoints, one app.

EventSub at ``/ws`` follows the Twitch CLI mock server (internal/events/websocket/mock_server)
and Twitch's documentation:

- ``session_welcome`` first, with ``keepalive_timeout_seconds`` (``?keepalive_timeout_seconds``
  10–600 honoured, else :attr:`Options.keepalive`); ``session_keepalive`` whenever nothing was
  sent for that long.
- A session with no subscription :attr:`Options.unused_timeout` (10 s) after its welcome is
  closed with 4003 "connection unused"; any message from the client closes it with 4001.
- ``session_reconnect`` (a script step) names ``<ws url>?reconnect_id=<base64 session id>``;
  a client connecting there gets the old session's subscriptions (no resubscribing); the old
  connection, still open after :attr:`Options.reconnect_grace` (30 s), is closed with 4004. An
  unknown or reused reconnect id is closed with 4007.
- Subscriptions belong to their session: a session that ends any other way loses them.

The script (a list of JSON-able steps, shared by every connection; :func:`notify` and friends
build them) plays on the newest live session with subscriptions:

- ``{"notify": {"type", "event", "message_id"?}}`` — a ``notification`` in Twitch's envelope,
  sent once the session has that type subscribed (waiting up to :attr:`Options.wait_for_type`;
  otherwise it is recorded in :attr:`TwitchStandIn.undelivered`). The same ``message_id``
  twice is Twitch's at-least-once delivery: a duplicate.
- ``{"reconnect": true, "invalid"?: true}``, ``{"silence": true}`` (the connection goes dead: no keepalive, no
  message, no close), ``{"close": code}``, ``{"revoke": type, "status": …}``,
  ``{"sleep": seconds}``.

Helix (``/helix/users``, ``/helix/streams`` (:meth:`TwitchStandIn.go_live`),
``/helix/eventsub/subscriptions``, ``/helix/chat/messages``,
``/helix/moderation/bans``) and OAuth (``/oauth2/validate``, ``/oauth2/device``,
``/oauth2/token``) check the token, its client id and its scopes like Twitch and answer its
error bodies ``{"error", "status", "message"}``: 401 for an unknown or expired token, 403 for a
missing scope, 400 for a session that is gone, 409 for a duplicate subscription, 429 when the
subscriptions' total cost passes ``max_total_cost``. A chat message sent through Helix comes
back as a ``channel.chat.message`` notification, as on Twitch. What clients did is recorded
(:attr:`TwitchStandIn.connections`, :attr:`TwitchStandIn.requests`, ``bans``, ``sent``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import secrets
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.aio import wait_event
from plugins.twitch import payloads as p
from plugins.twitch.eventsub import CLOSE_CODES

Step = dict[str, Any]
MAX_TOTAL_COST = 10


@dataclass
class Account:
    token: str
    user_id: str
    login: str
    display_name: str
    client_id: str = "hof5gwx0su6owfnys0yan9c87zr6t"
    scopes: tuple[str, ...] = p.ALL_SCOPES
    expired: bool = False
    expires_in: int = 14124


BROADCASTER = Account("standin-token", "141981764", "twitchdev", "TwitchDev")


@dataclass
class Options:
    keepalive: float = 10.0
    unused_timeout: float = 10.0
    reconnect_grace: float = 30.0
    wait_for_type: float = 3.0
    #: hold the first ``slow_subscribe[1]`` subscription requests ``slow_subscribe[0]`` seconds
    #: before looking at them (a slow Helix: the session may be closed 4003 meanwhile)
    slow_subscribe: tuple[float, int] = (0.0, 0)
    device_interval: float = 5.0  # the device flow's polling interval


@dataclass
class Conn:
    session_id: str
    ws: WebSocket
    url: str
    keepalive: float
    connected_at: str
    opened: float = field(default_factory=time.monotonic)
    subs: dict[str, dict[str, Any]] = field(default_factory=dict)  # type → subscription
    reconnected_from: str | None = None
    first_sub_at: float | None = None
    keepalives: int = 0
    last_sent: float = field(default_factory=time.monotonic)
    reconnecting: bool = False
    dead: bool = False  # a scripted silence: sends nothing more
    open: bool = True
    ended: str = ""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, msg: dict[str, Any]) -> bool:
        if not self.open or self.dead:
            return False
        async with self.lock:
            try:
                await self.ws.send_text(orjson.dumps(msg).decode())
            except Exception:
                return False
        self.last_sent = time.monotonic()
        return True

    async def close(self, code: int, reason: str) -> None:
        if not self.open:
            return
        self.open = False
        self.ended = f"{code} {reason}"
        with contextlib.suppress(Exception):
            await self.ws.close(code=code, reason=reason)


def notify(sub_type: str, event: dict[str, Any], message_id: str | None = None) -> Step:
    return {"notify": {"type": sub_type, "event": event, "message_id": message_id}}


def reconnect(*, invalid: bool = False) -> Step:
    """``session_reconnect``; ``invalid``: its URL is refused with 4007."""
    return {"reconnect": True, "invalid": invalid}


def silence() -> Step:
    return {"silence": True}


def close(code: int) -> Step:
    return {"close": code}


def revoke(sub_type: str, status: str = "authorization_revoked") -> Step:
    return {"revoke": sub_type, "status": status}


def sleep(seconds: float) -> Step:
    return {"sleep": seconds}


async def _body(request: Request) -> bytes:
    """The request's body; empty when the client went away meanwhile (its answer is lost)."""
    try:
        return await request.body()
    except ClientDisconnect:
        return b""


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (OAuth's), last value of each key."""
    pairs = urllib.parse.parse_qsl((await _body(request)).decode(errors="replace"))
    return dict(pairs)


def _error(status: int, message: str) -> JSONResponse:
    names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
             409: "Conflict", 429: "Too Many Requests"}  # fmt: skip
    return JSONResponse(
        {"error": names.get(status, ""), "status": status, "message": message}, status
    )


class TwitchStandIn:
    def __init__(
        self,
        script: list[Step] | None = None,
        options: Options | None = None,
        accounts: list[Account] | None = None,
    ) -> None:
        self.script = list(script or [])
        self.options = options or Options()
        # copies: a test that expires a token changes this stand-in's account only
        self.accounts = {a.token: dataclasses.replace(a) for a in (accounts or [BROADCASTER])}
        self.users: dict[str, tuple[str, str]] = {
            a.login: (a.user_id, a.display_name) for a in self.accounts.values()
        }
        self.connections: list[Conn] = []
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.undelivered: list[Step] = []
        self.sent: list[dict[str, Any]] = []  # chat messages sent through Helix
        self.bans: dict[str, int | None] = {}
        self.live: dict[str, dict[str, Any]] = {}  # user id → its stream (Get Streams' shape)
        self.position = 0
        self._reconnect_ids: dict[str, Conn] = {}
        self._player: asyncio.Task[None] | None = None
        self._slow_left = self.options.slow_subscribe[1]
        self._devices: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Event()

    # --- the app -------------------------------------------------------------------------------
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                WebSocketRoute("/ws", self._ws),
                Route("/oauth2/validate", self._validate, methods=["GET"]),
                Route("/oauth2/device", self._device, methods=["POST"]),
                Route("/oauth2/token", self._token, methods=["POST"]),
                Route("/helix/users", self._users, methods=["GET"]),
                Route("/helix/streams", self._streams, methods=["GET"]),
                Route("/helix/eventsub/subscriptions", self._subscribe, methods=["POST"]),
                Route("/helix/chat/messages", self._chat, methods=["POST"]),
                Route("/helix/moderation/bans", self._bans, methods=["POST", "DELETE"]),
            ]
        )

    def calls(self, path: str) -> list[tuple[str, str, int]]:
        return [r for r in self.requests if r[1] == path]

    def _record(self, request: Request, response: Response) -> Response:
        self.requests.append((request.method, request.url.path, response.status_code))
        return response

    # --- EventSub --------------------------------------------------------------------------------
    async def _ws(self, ws: WebSocket) -> None:
        await ws.accept()
        keepalive = self.options.keepalive
        asked = ws.query_params.get("keepalive_timeout_seconds")
        if asked and asked.isdigit() and 10 <= int(asked) <= 600:
            keepalive = float(asked)
        url = str(ws.url.replace(query=""))
        conn = Conn(
            f"AgoQ{secrets.token_hex(8)}_{uuid.uuid4().hex[:8]}", ws, url, keepalive, p.timestamp()
        )
        self.connections.append(conn)
        reconnect_id = ws.query_params.get("reconnect_id")
        if reconnect_id is not None:
            old = self._reconnect_ids.pop(reconnect_id, None)
            if old is None:
                await conn.close(4007, "invalid reconnect attempt")
                return
            conn.subs = {t: {**s, "transport": {**s["transport"], "session_id": conn.session_id}}
                         for t, s in old.subs.items()}  # fmt: skip
            conn.reconnected_from = old.session_id
            conn.first_sub_at = time.monotonic()
        await conn.send(p.welcome(conn.session_id, keepalive, conn.connected_at))
        self._changed.set()
        tasks = [
            asyncio.create_task(self._keepalives(conn)),
            asyncio.create_task(self._unused(conn)),
        ]
        try:
            while conn.open:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    if conn.open:
                        conn.open = False
                        conn.ended = f"client closed {msg.get('code')}"
                    break
                await conn.close(4001, "sent inbound traffic")
        except (WebSocketDisconnect, RuntimeError):
            conn.open = False
            conn.ended = conn.ended or "client gone"
        finally:
            for t in tasks:
                t.cancel()
            self._changed.set()

    async def _keepalives(self, conn: Conn) -> None:
        while conn.open:
            await asyncio.sleep(min(conn.keepalive / 4, 1.0))
            if conn.reconnecting or conn.dead:
                continue
            if time.monotonic() - conn.last_sent >= conn.keepalive * 0.9:
                if await conn.send(p.keepalive()):
                    conn.keepalives += 1

    async def _unused(self, conn: Conn) -> None:
        await asyncio.sleep(self.options.unused_timeout)
        if conn.open and not conn.subs:
            await conn.close(4003, "connection unused")

    def _active(self) -> Conn | None:
        live = [c for c in self.connections if c.open and not c.dead and not c.reconnecting]
        with_subs = [c for c in live if c.subs]
        return with_subs[-1] if with_subs else None

    async def _wait(self, ready: Any, within: float) -> Conn | None:
        deadline = time.monotonic() + within
        while True:
            conn = self._active()
            if conn is not None and ready(conn):
                return conn
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._changed.clear()
            await wait_event(self._changed, min(left, 0.1))

    async def _play(self) -> None:
        while self.position < len(self.script):
            step = self.script[self.position]
            await self._step(step)
            self.position += 1

    async def _step(self, step: Step) -> None:
        if "sleep" in step:
            await asyncio.sleep(float(step["sleep"]))
            return
        if "notify" in step:
            n = step["notify"]
            conn = await self._wait(lambda c: n["type"] in c.subs, self.options.wait_for_type)
            if conn is None or not await conn.send(
                p.notification(conn.subs[n["type"]], n["event"], n.get("message_id"))
            ):
                self.undelivered.append(step)
            return
        wanted = step.get("revoke")
        conn = await self._wait(lambda c: wanted is None or wanted in c.subs, 60.0)
        if conn is None:
            self.undelivered.append(step)
            return
        if "reconnect" in step:
            rid = base64.b64encode(conn.session_id.encode()).decode().rstrip("=")
            conn.reconnecting = True
            self._reconnect_ids[rid] = conn
            if step.get("invalid"):  # a reconnect URL that is not valid (4007 when used)
                rid = "not-" + rid
            await conn.send(p.reconnect(conn.session_id, f"{conn.url}?reconnect_id={rid}",
                                        conn.connected_at))  # fmt: skip
            asyncio.get_running_loop().call_later(
                self.options.reconnect_grace, lambda: asyncio.ensure_future(self._expire(rid, conn))
            )
            self._changed.set()
        elif "silence" in step:
            conn.dead = True
            self._changed.set()
        elif "close" in step:
            code = int(step["close"])
            await conn.close(code, CLOSE_CODES.get(code, "closed"))
            self._changed.set()
        elif "revoke" in step:
            sub = conn.subs.pop(str(step["revoke"]), None)
            if sub is not None:
                await conn.send(p.revocation(sub, str(step.get("status", "authorization_revoked"))))

    async def _expire(self, reconnect_id: str, conn: Conn) -> None:
        """The reconnect grace is over: the URL is no longer valid, the old connection goes."""
        self._reconnect_ids.pop(reconnect_id, None)
        await conn.close(4004, "client reconnect grace time expired")

    # --- OAuth ---------------------------------------------------------------------------------
    def _account(self, request: Request, scheme: str = "Bearer") -> Account | None:
        auth = request.headers.get("authorization", "")
        kind, _, token = auth.partition(" ")
        if kind.lower() not in (scheme.lower(), "bearer"):
            return None
        account = self.accounts.get(token)
        return None if account is None or account.expired else account

    async def _validate(self, request: Request) -> Response:
        account = self._account(request, "OAuth")
        if account is None:
            return self._record(
                request, JSONResponse({"status": 401, "message": "invalid access token"}, 401)
            )
        body = {"client_id": account.client_id, "login": account.login,
                "scopes": list(account.scopes), "user_id": account.user_id,
                "expires_in": account.expires_in}  # fmt: skip
        return self._record(request, JSONResponse(body))

    async def _device(self, request: Request) -> Response:
        form = await _form(request)
        code = secrets.token_urlsafe(24)
        user_code = secrets.token_hex(4).upper()
        self._devices[code] = {"user_code": user_code, "client_id": str(form.get("client_id")),
                               "scopes": str(form.get("scopes", "")).split(), "approved": None}  # fmt: skip
        body = {"device_code": code, "expires_in": 1800, "interval": self.options.device_interval,
                "user_code": user_code,
                "verification_uri": f"https://www.twitch.tv/activate?device-code={user_code}"}  # fmt: skip
        return self._record(request, JSONResponse(body))

    def approve_device(self, user_code: str, account: Account) -> None:
        """The streamer entered ``user_code`` at the verification URI and agreed."""
        for device in self._devices.values():
            if device["user_code"] == user_code:
                device["approved"] = account

    async def _token(self, request: Request) -> Response:
        form = await _form(request)
        device = self._devices.get(str(form.get("device_code")))
        if device is None:
            return self._record(request, _error(400, "invalid device code"))
        approved: Account | None = device["approved"]
        if approved is None:
            return self._record(request, _error(400, "authorization_pending"))
        token = secrets.token_hex(15)
        self.accounts[token] = Account(
            token, approved.user_id, approved.login, approved.display_name,
            device["client_id"], tuple(device["scopes"]),
        )  # fmt: skip
        body = {"access_token": token, "expires_in": 14400, "refresh_token": secrets.token_hex(25),
                "scope": device["scopes"], "token_type": "bearer"}  # fmt: skip
        return self._record(request, JSONResponse(body))

    # --- Helix ---------------------------------------------------------------------------------
    def _helix_account(self, request: Request) -> Account | JSONResponse:
        account = self._account(request)
        if account is None:
            return _error(401, "Invalid OAuth token")
        if request.headers.get("client-id") != account.client_id:
            return _error(401, "Client ID and OAuth token do not match")
        return account

    async def _users(self, request: Request) -> Response:
        account = self._helix_account(request)
        if isinstance(account, JSONResponse):
            return self._record(request, account)
        data = []
        for login in request.query_params.getlist("login"):
            found = self.users.get(login.lower())
            if found:
                data.append({"id": found[0], "login": login.lower(), "display_name": found[1],
                             "type": "", "broadcaster_type": "partner", "description": "",
                             "profile_image_url": "", "offline_image_url": "",
                             "created_at": "2016-12-14T20:32:28Z"})  # fmt: skip
        return self._record(request, JSONResponse({"data": data}))

    def go_live(self, account: Account, title: str = "Live now") -> None:
        self.live[account.user_id] = {
            "id": str(uuid.uuid4().int)[:11], "user_id": account.user_id,
            "user_login": account.login, "user_name": account.display_name, "game_id": "509658",
            "game_name": "Just Chatting", "type": "live", "title": title, "viewer_count": 78,
            "started_at": p.timestamp().split(".")[0] + "Z", "language": "en",
            "thumbnail_url": "", "tag_ids": [], "tags": ["English"], "is_mature": False,
        }  # fmt: skip

    async def _streams(self, request: Request) -> Response:
        account = self._helix_account(request)
        if isinstance(account, JSONResponse):
            return self._record(request, account)
        ids = request.query_params.getlist("user_id")
        data = [self.live[u] for u in ids if u in self.live]
        return self._record(request, JSONResponse({"data": data, "pagination": {}}))

    async def _subscribe(self, request: Request) -> Response:
        raw = await _body(request)
        delay, _ = self.options.slow_subscribe
        if self._slow_left > 0:
            self._slow_left -= 1
            # a client that gives up meanwhile does not stop Twitch from answering (and this
            # stand-in from recording the answer)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(delay)
        return self._record(request, await self._subscribe_now(request, raw))

    async def _subscribe_now(self, request: Request, raw: bytes) -> Response:
        account = self._helix_account(request)
        if isinstance(account, JSONResponse):
            return account
        body = orjson.loads(raw or b"{}")
        sub_type, version = body.get("type"), body.get("version")
        if p.VERSIONS.get(sub_type) != version:
            return _error(
                400, "The combination of values in the type and version fields is not valid"
            )
        transport = body.get("transport") or {}
        conn = next(
            (c for c in self.connections if c.session_id == transport.get("session_id")), None
        )
        if transport.get("method") != "websocket" or conn is None or not conn.open:
            return _error(
                400, "websocket transport session does not exist or has already disconnected"
            )
        if p.SCOPES[sub_type] not in account.scopes:
            return _error(403, "subscription missing proper authorization")
        condition = body.get("condition") or {}
        if condition.get("broadcaster_user_id") not in {u for u, _ in self.users.values()}:
            return _error(400, "invalid condition: broadcaster_user_id")
        is_broadcaster = condition.get("broadcaster_user_id") == account.user_id
        if sub_type in (p.CHEER, p.SUBSCRIBE, p.SUBSCRIPTION_GIFT) and not is_broadcaster:
            return _error(403, "subscription missing proper authorization")
        if sub_type in conn.subs and conn.subs[sub_type]["condition"] == condition:
            return _error(409, "subscription already exists")
        cost = 0 if is_broadcaster or condition.get("user_id") == account.user_id else 1
        total_cost = sum(s["cost"] for s in conn.subs.values())
        if total_cost + cost > MAX_TOTAL_COST:
            return _error(429, "subscription cost exceeds max_total_cost")
        sub = p.subscription(str(uuid.uuid4()), sub_type, condition, conn.session_id, cost=cost)
        conn.subs[sub_type] = sub
        if conn.first_sub_at is None:
            conn.first_sub_at = time.monotonic()
        self._changed.set()
        if self._player is None:
            self._player = asyncio.create_task(self._play(), name="twitch-standin-script")
        answer = {"data": [sub], "total": len(conn.subs), "total_cost": total_cost + cost,
                  "max_total_cost": MAX_TOTAL_COST}  # fmt: skip
        return JSONResponse(answer, 202)

    async def _chat(self, request: Request) -> Response:
        account = self._helix_account(request)
        if isinstance(account, JSONResponse):
            return self._record(request, account)
        if p.SCOPE_WRITE_CHAT not in account.scopes:
            return self._record(request, _error(403, "missing user:write:chat scope"))
        body = orjson.loads(await _body(request) or b"{}")
        if body.get("sender_id") != account.user_id:
            return self._record(request, _error(403, "sender_id does not match the token's user"))
        text = str(body.get("message", ""))
        if not text or len(text) > 500:
            return self._record(request, _error(400, "message must be 1 to 500 characters"))
        mid = str(uuid.uuid4())
        self.sent.append(body)
        conn = self._active()
        if conn is not None and p.CHAT_MESSAGE in conn.subs:
            b = next((u, d) for u, d in self.users.values() if u == body.get("broadcaster_id"))
            event = p.chat_message(
                b, (account.user_id, account.display_name), text, chat_id=mid,
                badges=[("broadcaster", "1")] if account.user_id == b[0] else None,
            )  # fmt: skip
            await conn.send(p.notification(conn.subs[p.CHAT_MESSAGE], event))
        answer = {"data": [{"message_id": mid, "is_sent": True, "drop_reason": None}]}
        return self._record(request, JSONResponse(answer))

    async def _bans(self, request: Request) -> Response:
        account = self._helix_account(request)
        if isinstance(account, JSONResponse):
            return self._record(request, account)
        if p.SCOPE_BANS not in account.scopes:
            return self._record(
                request, _error(401, "Missing scope: moderator:manage:banned_users")
            )
        q = request.query_params
        if q.get("moderator_id") != account.user_id:
            return self._record(request, _error(403, "The user in moderator_id is not a moderator"))
        if request.method == "DELETE":
            user_id = q.get("user_id", "")
            if user_id not in self.bans:
                return self._record(
                    request, _error(400, "The user specified in the user_id field is not banned.")
                )
            del self.bans[user_id]
            return self._record(request, Response(status_code=204))
        data = (orjson.loads(await _body(request) or b"{}").get("data")) or {}
        duration = data.get("duration")
        if duration is not None and not (isinstance(duration, int) and 1 <= duration <= 1209600):
            return self._record(request, _error(400, "duration must be 1 to 1209600"))
        self.bans[str(data.get("user_id"))] = duration
        created = p.timestamp()
        end = p.timestamp(time.time() + duration) if duration else None
        row = {"broadcaster_id": q.get("broadcaster_id"), "moderator_id": account.user_id,
               "user_id": data.get("user_id"), "created_at": created, "end_time": end}  # fmt: skip
        return self._record(request, JSONResponse({"data": [row]}))
