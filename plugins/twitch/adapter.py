"""The ``twitch`` platform adapter: a Twitch channel's chat, cheers, subs and follows, and the
console's reply and mute, through EventSub over WebSocket and Helix.

``TwitchFactory().open(settings)`` checks the token (``GET /oauth2/validate``), finds the
broadcaster by login (``--room``; default: the token's own channel, ``GET /helix/users``) and
starts the EventSub session in the background; :meth:`TwitchAdapter.event_batches` hands over
what it receives as LiveDesk events (:mod:`plugins.twitch.mapping`).

Credentials and endpoints: ``settings["token"]`` else ``LIVEDESK_TWITCH_TOKEN`` (a user access
token, pasted or from the device code flow: ``Helix.device_login``); the client id from
``settings["client_id"]`` else ``LIVEDESK_TWITCH_CLIENT_ID``, else the one validate reports;
``LIVEDESK_TWITCH_EVENTSUB_URL`` (default wss://eventsub.wss.twitch.tv/ws),
``LIVEDESK_TWITCH_HELIX_BASE`` (paths ``/helix/...``), ``LIVEDESK_TWITCH_AUTH_BASE``
(``/oauth2/...``), each also a settings key (``eventsub_url``, ``helix_base``, ``auth_base``).
The token is never logged nor put in a message.

Guarantees:

- ``open()`` raises a :class:`PlatformError` in the UI language for a missing token, an expired
  or invalid one (Twitch answers 401), a token of another app, a token without
  ``user:read:chat`` (named), and an unknown channel. Missing optional scopes are named in
  :attr:`TwitchAdapter.notes` and take away only what they allow (no ``bits:read``: no cheers;
  no ``user:write:chat``: no reply; no ``moderator:manage:banned_users``: no mute…).
- Within the 10 s Twitch allows after each fresh ``session_welcome`` the adapter subscribes
  (``POST /helix/eventsub/subscriptions``, transport websocket + session id) to
  ``channel.chat.message``, ``channel.chat.notification``, ``channel.cheer``,
  ``channel.subscribe``, ``channel.subscription.gift`` and ``channel.follow`` v2 (the ones the
  token allows; 409 "already exists" counts as subscribed). When Twitch refuses every one, the
  link goes offline with the reason instead of looping on 4003.
- ``session_reconnect``: the adapter connects to ``reconnect_url`` while still reading the old
  socket, closes the old one only after the new welcome, and does not subscribe again (the
  subscriptions move with the session). A keepalive watchdog (``keepalive_timeout_seconds`` of
  the welcome plus 20 % and half a second: ``Session.watchdog``) declares a silent connection
  dead; it and every close code 4000–4007 (see :mod:`plugins.twitch.eventsub`) lead to a fresh session
  (capped, jittered back-off) and a fresh round of subscriptions.
- Live state: ``GET /helix/streams`` at open (the snapshot's session) and every minute after;
  going live or offline is a ``session_started`` / ``session_ended`` event.
- The token is validated again every hour (Twitch requires it): once Twitch answers 401 the
  link goes offline with a sentence saying the token expired; a token expiring within 15
  minutes is a note.
- ``revocation``: a note to the operator saying which kind of event stopped and why; that type
  is not subscribed again.
- No event twice: Twitch delivers at least once; each notification's ``metadata.message_id`` is
  remembered (the last :data:`REMEMBERED`) and a repeat is dropped; :meth:`event_key` is that
  id. Events are numbered 1, 2, 3… by this adapter; one reader at a time. Twitch keeps no log:
  :meth:`~TwitchAdapter.event_log` (a recording's back-fill) says so with ``resync_required``.
- Actions: ``send_comment`` → ``POST /helix/chat/messages`` as the token's user;
  ``mute_user`` → ``POST /helix/moderation/bans`` (a timeout of ``seconds``, or a ban without
  them), ``unmute_user`` → ``DELETE`` (idempotent). Twitch has no EventSub event for them in the
  six types, so the adapter adds ``user_muted`` / ``user_unmuted`` to its own stream once Twitch
  accepted the call. Twitch has no mute "until the stream ends": refused with a sentence.
  A message goes out as one ``POST`` (Twitch's 500-character limit is the caller's:
  app/live/chat_announce.py keeps within it and paces its messages); its chat language is
  English (``chat_language``).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import logging
import time
from collections.abc import AsyncIterator, Callable, Hashable, Mapping, Sequence
from typing import Any

import websockets

from app.aio import wait_event
from app.api import (
    Backoff,
    Capability,
    ConnectionField,
    ConnectionTracker,
    EventQueue,
    LinkState,
    Listeners,
    OfflineError,
    PlatformAdapter,
    PlatformError,
    RecentKeys,
    SignInCode,
    models,
    setting,
    spawn,
    tr,
)
from app.i18n import tr_noop
from plugins.twitch import payloads as p
from plugins.twitch.eventsub import (
    Closed,
    ProtocolError,
    Session,
    Silent,
    message_type,
    open_session,
)
from plugins.twitch.helix import DeviceCode, Helix, HelixError, TokenInfo, Unreachable, User
from plugins.twitch.mapping import TwitchMapper

log = logging.getLogger(__name__)

ENV = "LIVEDESK_TWITCH_"
DEFAULT_EVENTSUB = "wss://eventsub.wss.twitch.tv/ws"
REMEMBERED = 100_000
VALIDATE_EVERY_S = 3600.0  # Twitch: apps validate their tokens at least once an hour
EXPIRY_WARNING_S = 15 * 60
POLL_STREAM_S = 60.0  # GET /helix/streams: whether the channel is live


def _session_of(stream: dict[str, Any]) -> models.Session:
    try:
        started = datetime.datetime.fromisoformat(str(stream.get("started_at"))).timestamp()
    except ValueError:
        started = time.time()
    return models.Session(id=str(stream.get("id", "")), status="live", started_ts=started)


MAX_TIMEOUT_S = 1_209_600  # Helix: a timeout lasts at most two weeks

CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.COMMENTS,
        Capability.FOLLOWS,
        Capability.PAID_MESSAGES,
        Capability.MEMBERSHIPS,
        Capability.REPLY,
        Capability.MUTE,
        Capability.LIVE_STATE,
    }
)
_TYPE_CAPABILITY = {
    p.CHAT_MESSAGE: Capability.COMMENTS,
    p.CHEER: Capability.PAID_MESSAGES,
    p.SUBSCRIBE: Capability.MEMBERSHIPS,
    p.FOLLOW: Capability.FOLLOWS,
}
_COMMERCE = {Capability.CATALOGUE, Capability.ORDERS, Capability.COUPONS, Capability.FLASH_SALES}


FIELDS: tuple[ConnectionField, ...] = (
    ConnectionField(
        "room",
        tr_noop("频道登录名"),
        help=tr_noop("主播的 Twitch 登录名；留空则为令牌本人的频道"),
        optional=True,
    ),
    ConnectionField(
        "token",
        tr_noop("用户访问令牌"),
        secret=True,
        help=tr_noop(
            "需要权限：user:read:chat、user:write:chat、moderator:manage:banned_users、"
            "bits:read、channel:read:subscriptions、moderator:read:followers"
        ),
    ),
    ConnectionField(
        "client_id",
        tr_noop("Client ID"),
        help=tr_noop("可选：留空则使用令牌所属应用的 Client ID"),
        optional=True,
    ),
)


class _TokenRefused(Exception):
    """Twitch answered 401 while the session runs: the token expired or was revoked."""


def token_expired_message() -> str:
    return tr("Twitch 令牌已过期或无效，请重新授权（粘贴新的令牌或用设备码登录）")


def _missing_scope_message(scope: str) -> str:
    return tr("Twitch 令牌缺少权限 {scope}，请重新授权时勾选它").format(scope=scope)


def twitch_reason(capability: Capability, missing: dict[Capability, str]) -> str:
    """Why the ``twitch`` adapter lacks ``capability`` (a scope the token lacks, or Twitch)."""
    if capability in missing:
        return _missing_scope_message(missing[capability])
    if capability in _COMMERCE:
        return tr("Twitch 只提供直播间互动，没有商品、订单和营销数据（可接商店后台）")
    if capability in (Capability.SESSIONS, Capability.PUSH_URL):
        return tr("请在 OBS 或 Twitch 创作者仪表板中开播；推流密钥在仪表板中")
    if capability is Capability.PLATFORM_LOTTERIES:
        return tr("Twitch 不支持平台抽奖（可用中控台自己的抽奖）")
    if capability in (Capability.PIN, Capability.HIDE):
        return tr("Twitch 不支持从中控台置顶或隐藏消息")
    if capability is Capability.TEAM_SETTINGS:
        return tr("Twitch 不提供团队共享设置：评分设置只保存在本机")
    return tr("Twitch 不提供此类数据（礼物、点赞、进场、分享、在线人数）")


class TwitchAdapter(PlatformAdapter):
    platform_name = "Twitch"
    chat_language = "en"  # what the console posts in the chat is in English unless set otherwise

    def __init__(
        self,
        helix: Helix,
        me: TokenInfo,
        broadcaster: User,
        eventsub_url: str,
        *,
        types: Sequence[str],
        capabilities: frozenset[Capability],
        missing: dict[Capability, str],
        notes: Sequence[str] = (),
        backoff: Backoff | None = None,
        validate_every: float = VALIDATE_EVERY_S,
        stream: dict[str, Any] | None = None,
        poll_every: float = POLL_STREAM_S,
    ) -> None:
        self.helix = helix
        self.me = me
        self.broadcaster = broadcaster
        self.eventsub_url = eventsub_url
        self.room = broadcaster.login
        self.role = models.Role.HOST
        self.token_id = me.user_id
        self.capabilities = capabilities
        self.connection = ConnectionTracker()
        self.notes: list[str] = []
        #: subscription types asked for on each fresh session (a revoked type is removed)
        self.types: set[str] = set(types)
        #: what each fresh session got subscribed (type → subscription id), for tests and logs
        self.subscribed: dict[str, str] = {}
        self.sessions = 0  # fresh sessions opened (each subscribed anew)
        self.handoffs = 0  # session_reconnect hand-offs (subscriptions carried over)
        self.duplicates = 0  # notifications dropped as repeats
        self._missing = missing
        self._backoff = backoff or Backoff(base=1.0, cap=30.0)
        self._mapper = TwitchMapper()
        self._mapper.subs_from_chat = not ({p.SUBSCRIBE, p.SUBSCRIPTION_GIFT} & self.types)
        self._seen = RecentKeys(REMEMBERED)
        self._keys: collections.OrderedDict[int, str] = collections.OrderedDict()
        self._events = EventQueue("Twitch")
        self._wake = asyncio.Event()
        self._closed = False
        self._session_id = ""  # the session subscriptions are made for
        self._note_listeners: Listeners[[str]] = Listeners("note listener")
        for note in notes:
            self._note(note)
        self.connection.set_state(LinkState.CONNECTING)
        self._task = spawn(self._run(), name="twitch-eventsub")
        self._validator = spawn(self._revalidate(validate_every), name="twitch-validate")
        self._session: models.Session | None = _session_of(stream) if stream else None
        self._poller = spawn(self._poll_stream(poll_every), name="twitch-stream-poll")

    # --- capabilities and notes ----------------------------------------------------------------
    def unsupported_reason(self, capability: Capability) -> str:
        return twitch_reason(capability, self._missing)

    def event_key(self, event: models.Event) -> Hashable:
        return self._keys.get(event.seq, event.seq)

    def subscribe_notes(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """``listener(note)`` for every note from now on (plain text, UI language)."""
        return self._note_listeners.add(listener)

    def _note(self, note: str) -> None:
        self.notes.append(note)
        log.warning("%s", note)
        self._note_listeners.emit(note)

    # --- state ---------------------------------------------------------------------------------
    async def snapshot(self) -> models.Snapshot:
        # the events still waiting for the reader come after this seq: none is lost
        return models.Snapshot(
            room=self.room,
            seq=self._events.delivered,
            session=self._session,
            bag=models.Bag(version=0, products=[]),
        )

    async def room_info(self) -> models.RoomInfo:
        return models.RoomInfo(id=self.room, title=self.broadcaster.display_name)

    def reconnect_now(self) -> bool:
        self._wake.set()
        return True

    def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        return self._events.batches(after_seq)

    def event_log(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        """Twitch keeps no event log to read again: one ``resync_required`` batch, then the end
        (a second reader of :meth:`event_batches` would take events from the live one)."""
        return self._events.log(after_seq)

    def _push(self, made: Sequence[tuple[models.EventType, Any, str | None]]) -> None:
        now = time.time()
        for etype, data, key in made:
            seq = self._events.add(etype, data, now)
            if key is not None:
                self._keys[seq] = key
                if len(self._keys) > REMEMBERED:
                    self._keys.popitem(last=False)
        if made:
            self.connection.saw_events(self._events.seq)

    # --- the EventSub session --------------------------------------------------------------------
    async def _run(self) -> None:
        while not self._closed:
            error = ""
            try:
                session = await open_session(self.eventsub_url)
            except (
                OSError,
                TimeoutError,
                websockets.WebSocketException,
                Closed,
                ProtocolError,
            ) as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.info("twitch eventsub: connecting failed: %s", error)
            else:
                self.sessions += 1
                try:
                    if not await self._serve(session):
                        return  # nothing allowed: offline with the reason, no 4003 loop
                except _TokenRefused:
                    self.connection.set_state(LinkState.OFFLINE, error=token_expired_message())
                    self._note(token_expired_message())
                    return
                except (
                    Silent,
                    Closed,
                    ProtocolError,
                    OSError,
                    TimeoutError,
                    websockets.WebSocketException,
                    Unreachable,
                ) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.info("twitch eventsub session ended: %s", error)
            if self._closed:
                return
            self.connection.set_state(
                LinkState.RECONNECTING, attempt=self._backoff.attempt + 1, error=error
            )
            await wait_event(self._wake, self._backoff.next_delay())
            self._wake.clear()

    async def _serve(self, session: Session) -> bool:
        """Subscribe a fresh ``session`` while already reading it (a notification that arrives
        between two subscriptions, just before a close, is not lost), then read it until it
        ends (an exception). False: Twitch allowed no subscription at all."""
        subscribing = asyncio.ensure_future(self._subscribe_all(session))
        reading = asyncio.ensure_future(self._read(session))
        try:
            await asyncio.wait({subscribing, reading}, return_when=asyncio.FIRST_COMPLETED)
            if not subscribing.done():
                reading.result()  # the session ended first: raises why
            try:
                allowed = subscribing.result()
            except Closed:  # the session is gone: reading reports its close once drained
                await reading
                raise
            if not allowed:
                return False
            self.connection.set_state(LinkState.CONNECTED)
            self._wake.clear()
            self._backoff.reset()
            await reading
            return True
        finally:
            for task in (subscribing, reading):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            await session.close()

    def _condition(self, sub_type: str) -> dict[str, str]:
        b, me = self.broadcaster.id, self.me.user_id
        if sub_type in (p.CHAT_MESSAGE, p.CHAT_NOTIFICATION):
            return {"broadcaster_user_id": b, "user_id": me}
        if sub_type == p.FOLLOW:
            return {"broadcaster_user_id": b, "moderator_user_id": me}
        return {"broadcaster_user_id": b}

    async def _subscribe_all(self, session: Session) -> bool:
        """Subscribe the fresh ``session`` to every wanted type; False when none was allowed.
        A ``session_reconnect`` meanwhile moves the rest to the new session's id."""
        self.subscribed = {}
        self._session_id = session.id
        for sub_type in sorted(self.types):
            while True:
                sid = self._session_id
                try:
                    made = await self.helix.subscribe(
                        sub_type, p.VERSIONS[sub_type], self._condition(sub_type), sid
                    )
                    self.subscribed[sub_type] = str(made.get("id", ""))
                    if len(self.subscribed) == 1:  # events may flow from now on
                        self.connection.set_state(LinkState.CONNECTED)
                except HelixError as exc:
                    if exc.status == 400 and self._session_id != sid:
                        continue  # handed over while asking: ask again for the new session
                    self._refused(sub_type, exc)
                break
        if not self.subscribed:
            reason = tr("Twitch 拒绝了所有事件订阅，请检查令牌的权限")
            self.connection.set_state(LinkState.OFFLINE, error=reason)
            self._note(reason)
            return False
        self._mapper.subs_from_chat = not ({p.SUBSCRIBE, p.SUBSCRIPTION_GIFT} & self.types)
        return True

    def _refused(self, sub_type: str, exc: HelixError) -> None:
        if exc.status == 409:  # "subscription already exists"
            self.subscribed[sub_type] = ""
        elif exc.status == 401:
            raise _TokenRefused from None
        elif exc.status == 400:  # the session is gone (e.g. closed 4003)
            raise Closed(None, f"subscribing: {exc.message}") from None
        else:  # 403 (authorisation), 429 (cost): this type cannot be had
            self.types.discard(sub_type)
            msg = tr("Twitch 拒绝了 {type} 的订阅：{message}")
            self._note(msg.format(type=sub_type, message=exc.message))

    async def _read(self, session: Session) -> None:
        """Read ``session`` (and the sessions it hands over to) until it ends (an exception)."""
        try:
            while True:
                msg = await session.receive()
                if message_type(msg) == "session_reconnect":
                    new = await self._handoff(session, msg)
                    await session.close()
                    session = new
                    self._session_id = new.id
                    self.handoffs += 1
                    continue
                self._handle(msg)
        finally:
            await session.close()

    async def _handoff(self, old: Session, msg: dict[str, Any]) -> Session:
        """Connect to the reconnect URL, still reading ``old`` until the new welcome."""
        url = (msg["payload"].get("session") or {}).get("reconnect_url")
        if not isinstance(url, str) or not url:
            raise ProtocolError("session_reconnect without reconnect_url")
        connecting = asyncio.ensure_future(open_session(url))
        try:
            old_alive = True
            while old_alive and not connecting.done():
                receiving = asyncio.ensure_future(old.receive())
                done, _ = await asyncio.wait(
                    {connecting, receiving}, return_when=asyncio.FIRST_COMPLETED
                )
                if receiving in done:
                    try:
                        self._handle(receiving.result())
                    except (Silent, Closed, ProtocolError):
                        old_alive = False  # e.g. 4004: the new session still counts
                else:
                    receiving.cancel()
                    with contextlib.suppress(BaseException):
                        await receiving
            return await connecting
        except BaseException:
            connecting.cancel()
            with contextlib.suppress(BaseException):
                await connecting
            raise

    def _handle(self, msg: dict[str, Any]) -> None:
        kind = message_type(msg)
        if kind == "notification":
            mid = msg["metadata"].get("message_id")
            if isinstance(mid, str) and not self._seen.add(mid):
                self.duplicates += 1
                return
            sub = msg["payload"].get("subscription") or {}
            mapped = self._mapper.map(sub.get("type"), msg["payload"].get("event"))
            if mapped.reason:
                log.warning("twitch notification skipped: %s", mapped.reason)
            made = []
            now = time.time()
            for name, data in mapped.events:
                etype = models.EventType(name)
                if etype is models.EventType.COMMENT:
                    data = {"comment": {**data["comment"], "ts": now}}
                try:
                    made.append((etype, models.EVENT_DATA[etype].model_validate(data), mid))
                except models.ValidationError as exc:
                    log.warning("twitch %s does not fit the model: %s", name, exc)
            self._push(made)
        elif kind == "revocation":
            sub = msg["payload"].get("subscription") or {}
            sub_type, status = str(sub.get("type", "")), str(sub.get("status", ""))
            self.types.discard(sub_type)
            self.subscribed.pop(sub_type, None)
            self._mapper.subs_from_chat = not ({p.SUBSCRIBE, p.SUBSCRIPTION_GIFT} & self.types)
            msg_text = tr("Twitch 撤销了 {type} 的订阅（{status}），此类事件不再显示")
            self._note(msg_text.format(type=sub_type, status=status))

    async def _revalidate(self, every: float) -> None:
        """Validate the token every ``every`` seconds (Twitch requires hourly); an expired or
        revoked one ends the session with the reason, one about to expire is a note."""
        warned = False
        while not self._closed:
            if not warned and 0 < self.me.expires_in < EXPIRY_WARNING_S:
                warned = True
                msg = tr("Twitch 令牌将在 {minutes} 分钟后过期，请及时重新授权")
                self._note(msg.format(minutes=max(1, self.me.expires_in // 60)))
            await asyncio.sleep(every)
            try:
                self.me = await self.helix.validate()
            except HelixError as exc:
                if exc.status != 401:
                    log.warning("twitch token check failed: %s", exc)
                    continue
                self._task.cancel()
                self.connection.set_state(LinkState.OFFLINE, error=token_expired_message())
                self._note(token_expired_message())
                return
            except Unreachable as exc:
                log.info("twitch token check: %s", exc)

    async def _poll_stream(self, every: float) -> None:
        """Whether the channel is live (``GET /helix/streams``), as session events."""
        while not self._closed:
            await asyncio.sleep(every)
            try:
                stream = await self.helix.stream(self.broadcaster.id)
            except (HelixError, Unreachable) as exc:
                log.info("twitch stream check: %s", exc)
                continue
            if (stream is not None) == (self._session is not None):
                continue
            if stream is not None:
                self._session = _session_of(stream)
                etype, session = models.EventType.SESSION_STARTED, self._session
            else:
                assert self._session is not None
                session = self._session.model_copy(
                    update={"status": "ended", "ended_ts": time.time()}
                )
                self._session = None
                etype = models.EventType.SESSION_ENDED
            self._push([(etype, models.SessionData(session=session), None)])

    # --- actions -----------------------------------------------------------------------------
    def _action_error(self, exc: HelixError | Unreachable) -> PlatformError:
        if isinstance(exc, Unreachable):
            return PlatformError("offline", tr("连不上 Twitch，请检查网络"))
        if exc.status == 401:
            return PlatformError("credentials", token_expired_message(), status=401)
        msg = tr("Twitch 拒绝了操作（{status}）：{message}")
        return PlatformError(
            "platform", msg.format(status=exc.status, message=exc.message), status=exc.status
        )

    def _actor(self) -> models.Actor:
        return models.Actor(role=models.Role.HOST, token_id=self.me.user_id)

    async def send_comment(self, text: str) -> models.Comment:
        if not self.can(Capability.REPLY):
            self._refuse(Capability.REPLY)
        try:
            sent = await self.helix.send_chat(self.broadcaster.id, self.me.user_id, text)
        except (HelixError, Unreachable) as exc:
            raise self._action_error(exc) from None
        if not sent.get("is_sent"):
            drop = sent.get("drop_reason") or {}
            msg = tr("Twitch 没有发出这条消息：{message}")
            raise PlatformError("rejected", msg.format(message=drop.get("message", "")))
        return models.Comment(
            id=str(sent.get("message_id", "")),
            user_id=self.me.user_id,
            nickname=self.me.login,
            text=text,
            role="host",
            ts=time.time(),
        )

    async def mute_user(
        self,
        user_id: str,
        seconds: int | None = None,
        *,
        until_session_end: bool = False,
        nickname: str = "",
    ) -> None:
        if not self.can(Capability.MUTE):
            self._refuse(Capability.MUTE)
        if until_session_end:
            raise PlatformError("invalid", tr("Twitch 没有「本场禁言」，请选择禁言时长"))
        if seconds is not None and not 1 <= seconds <= MAX_TIMEOUT_S:
            raise PlatformError("invalid", tr("Twitch 的禁言时长为 1 秒到 14 天"))
        try:
            await self.helix.ban(self.broadcaster.id, self.me.user_id, user_id, seconds, "LiveDesk")
        except (HelixError, Unreachable) as exc:
            raise self._action_error(exc) from None
        until = time.time() + seconds if seconds is not None else None
        data = models.UserMutedData(
            actor=self._actor(), user_id=user_id, nickname=nickname, seconds=seconds, until_ts=until
        )
        self._push([(models.EventType.USER_MUTED, data, None)])

    async def unmute_user(self, user_id: str) -> None:
        if not self.can(Capability.MUTE):
            self._refuse(Capability.MUTE)
        try:
            await self.helix.unban(self.broadcaster.id, self.me.user_id, user_id)
        except HelixError as exc:
            if exc.status != 400:  # 400: the user is not banned — nothing to lift
                raise self._action_error(exc) from None
        except Unreachable as exc:
            raise self._action_error(exc) from None
        data = models.UserUnmutedData(actor=self._actor(), user_id=user_id)
        self._push([(models.EventType.USER_UNMUTED, data, None)])

    # --- lifecycle -----------------------------------------------------------------------------
    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._events.close()
        self._wake.set()
        for task in (self._task, self._validator, self._poller):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.helix.aclose()
        self.connection.set_state(LinkState.OFFLINE)


def _plan(
    info: TokenInfo, is_broadcaster: bool
) -> tuple[list[str], frozenset[Capability], dict[Capability, str], list[str]]:
    """Which types to subscribe, the capabilities, the missing-scope reasons and notes."""
    types = [t for t, scope in p.SCOPES.items() if scope in info.scopes]
    notes: list[str] = []
    if not is_broadcaster:
        # cheers and subs are the broadcaster's to authorise; follows need a moderator
        types = [t for t in types if t in (p.CHAT_MESSAGE, p.CHAT_NOTIFICATION, p.FOLLOW)]
        notes.append(tr("这个令牌不是主播本人的：只收到聊天和关注，收不到 Bits 和订阅"))
    missing: dict[Capability, str] = {}
    for sub_type, capability in _TYPE_CAPABILITY.items():
        if p.SCOPES[sub_type] not in info.scopes:
            missing[capability] = p.SCOPES[sub_type]
    if p.SCOPE_WRITE_CHAT not in info.scopes:
        missing[Capability.REPLY] = p.SCOPE_WRITE_CHAT
    if p.SCOPE_BANS not in info.scopes:
        missing[Capability.MUTE] = p.SCOPE_BANS
    if p.SUBSCRIBE not in types:
        missing.pop(Capability.MEMBERSHIPS, None)  # resubs (and subs) still come from the chat
    for scope in sorted(set(missing.values())):
        notes.append(_missing_scope_message(scope))
    capabilities = frozenset(CAPABILITIES - set(missing))
    return types, capabilities, missing, notes


class TwitchFactory:
    name = "twitch"
    title = "Twitch"
    capabilities = CAPABILITIES
    #: what the connection dialog asks for
    fields = FIELDS

    @property
    def display_name(self) -> str:
        return tr("Twitch 直播")

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter:
        token = setting(settings, "token", ENV)
        if not token:
            raise PlatformError(
                "missing_settings",
                tr("缺少 Twitch 用户访问令牌（{name}）").format(name=ENV + "TOKEN"),
            )
        client_id = setting(settings, "client_id", ENV)
        helix = Helix(
            token,
            client_id,
            helix_base=setting(settings, "helix_base", ENV, "https://api.twitch.tv"),
            auth_base=setting(settings, "auth_base", ENV, "https://id.twitch.tv"),
        )
        try:
            adapter = await self._open(helix, settings, client_id)
        except BaseException:
            await helix.aclose()
            raise
        return adapter

    async def sign_in(
        self, values: Mapping[str, str], show: Callable[[SignInCode], None]
    ) -> dict[str, str]:
        """The device code flow for the connection dialog's 用 Twitch 账号登录: every scope
        LiveDesk uses is asked for; returns the token (and the Client ID it belongs to)."""
        settings = dict(values)
        client_id = setting(settings, "client_id", ENV)
        if not client_id:
            raise PlatformError(
                "missing_settings",
                tr(
                    "用 Twitch 账号登录需要应用的 Client ID：在 dev.twitch.tv 注册一个公开客户端应用"
                ),
            )
        helix = Helix(
            "",
            client_id,
            helix_base=setting(settings, "helix_base", ENV, "https://api.twitch.tv"),
            auth_base=setting(settings, "auth_base", ENV, "https://id.twitch.tv"),
        )

        def shown(code: DeviceCode) -> None:
            show(SignInCode(code.user_code, code.verification_uri, code.expires_in))

        try:
            token = await helix.device_login(p.ALL_SCOPES, shown)
        except HelixError as exc:
            raise PlatformError(
                "credentials", tr("Twitch 登录没有完成：{why}").format(why=exc.message)
            ) from None
        except Unreachable:
            raise OfflineError(tr("连不上 Twitch，请检查网络")) from None
        finally:
            await helix.aclose()
        return {"token": token, "client_id": client_id}

    async def _open(self, helix: Helix, settings: dict[str, Any], client_id: str) -> TwitchAdapter:
        try:
            info = await helix.validate()
        except HelixError as exc:
            if exc.status == 401:
                raise PlatformError("credentials", token_expired_message(), status=401) from None
            msg = tr("Twitch 拒绝了令牌检查（{status}）：{message}")
            raise PlatformError(
                "credentials", msg.format(status=exc.status, message=exc.message)
            ) from None
        except Unreachable:
            raise PlatformError("offline", tr("连不上 Twitch，请检查网络")) from None
        if client_id and info.client_id != client_id:
            msg = tr("这个 Twitch 令牌属于另一个应用（Client ID {client_id}），请检查 Client ID")
            raise PlatformError("credentials", msg.format(client_id=info.client_id))
        helix.client_id = info.client_id
        if "user:read:chat" not in info.scopes:
            raise PlatformError("credentials", _missing_scope_message("user:read:chat"))
        login = str(settings.get("room") or "").strip().lower() or info.login
        try:
            broadcaster = await helix.user_by_login(login)
        except HelixError as exc:
            if exc.status == 401:
                raise PlatformError("credentials", token_expired_message(), status=401) from None
            raise PlatformError("platform", exc.message) from None
        except Unreachable:
            raise PlatformError("offline", tr("连不上 Twitch，请检查网络")) from None
        if broadcaster is None:
            raise PlatformError(
                "no_room", tr("Twitch 上没有名为 {login} 的频道").format(login=login)
            )
        types, capabilities, missing, notes = _plan(info, broadcaster.id == info.user_id)
        try:
            stream = await helix.stream(broadcaster.id)
        except (HelixError, Unreachable) as exc:
            log.info("twitch stream check: %s", exc)
            stream = None
        backoff = Backoff(
            base=float(settings.get("backoff_base") or 1.0),
            cap=float(settings.get("backoff_cap") or 30.0),
        )
        log.info("twitch: channel %s (%s) as %s", broadcaster.login, broadcaster.id, info.login)
        return TwitchAdapter(
            helix,
            info,
            broadcaster,
            setting(settings, "eventsub_url", ENV, DEFAULT_EVENTSUB),
            types=types,
            capabilities=capabilities,
            missing=missing,
            notes=notes,
            backoff=backoff,
            validate_every=float(settings.get("validate_every") or VALIDATE_EVERY_S),
            stream=stream,
            poll_every=float(settings.get("poll_every") or POLL_STREAM_S),
        )
