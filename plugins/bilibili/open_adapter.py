"""The ``bilibili`` platform adapter: a streamer's room through the official 直播开放平台 (open-live).

``OpenLiveFactory().open(settings)`` starts a game (``POST /v2/app/start``, signed: see
:mod:`plugins.bilibili.open_api`) with the team's app and the streamer's 身份码, and keeps it
alive; :meth:`OpenLiveAdapter.event_batches` reads the game's long connection
(:mod:`plugins.bilibili.link`, shared with ``bilibili-web``) and hands over LiveDesk events
(:mod:`plugins.bilibili.messages_open`). ``close()`` ends the game (``/v2/app/end``).

Credentials: ``settings`` keys ``app_id``, ``access_key_id``, ``access_key_secret``, ``code``
(the console reads them from the OS keyring), else the environment variables
``LIVEDESK_BILIBILI_APP_ID``, ``_ACCESS_KEY_ID``, ``_ACCESS_KEY_SECRET``, ``_CODE`` (the headless
``livedesk events``). The endpoint is ``settings["base"]``, else ``LIVEDESK_BILIBILI_OPEN_BASE``,
else https://live-open.biliapi.com. Neither the secret nor the 身份码 is ever logged or put in an
error message.

Guarantees:

- Keep-alive as the platform requires: the HTTP ``/v2/app/heartbeat`` every 20 s from ``open()``
  to ``close()``, and an op-2 heartbeat on the long connection every 30 s. Both intervals (and
  the waits below) scale by ``settings["time_scale"]`` / ``LIVEDESK_BILIBILI_TIME_SCALE``
  (default 1: tests and stand-in runs speed them up instead of sleeping).
- The game restarts (end the old one, start a new one, connect with the new ``auth_body``) when
  a heartbeat answers 7003 (game closed), the long connection says
  ``LIVE_OPEN_PLATFORM_INTERACTION_END``, or its auth is refused. A start answered 7001 (the last
  game is still being settled) is retried after a 10 s back-off (10, 20, 40… capped at 60 s).
- A dropped long connection reconnects with capped, jittered back-off, rotating through the
  game's ``wss_link`` hosts, with the same ``auth_body``.
- No event twice: each event's ``msg_id`` is remembered (the last :data:`REMEMBERED`) and a
  repeat — the platform resends after a reconnect — is dropped; :meth:`event_key` is that id.
  Events are numbered 1, 2, 3… in this adapter (open-live has no log to resume from:
  ``event_batches(after_seq)`` hands over what arrives from then on).
- Credentials the platform refuses (signature, app id, 身份码) make ``open()`` raise a
  :class:`PlatformError` saying which, in the UI language; later (a restart) they leave the link
  offline with that reason while it keeps trying every minute.
- Capabilities: the room's interaction events (comments, gifts, likes, entries, Super Chats,
  guards) and its live state; catalogue, orders, marketing and moderation are refused with a
  sentence saying open-live does not offer them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Hashable, Sequence
from typing import Any

import websockets

from app.aio import wait_event
from app.api import (
    Backoff,
    Capability,
    ConnectionField,
    ConnectionTracker,
    LinkState,
    PlatformAdapter,
    PlatformError,
    RecentKeys,
    models,
    setting,
    spawn,
    tr,
    tr_noop,
)
from plugins.bilibili import events as bev
from plugins.bilibili.codec import CodecError, Command
from plugins.bilibili.link import AuthRejected, LinkConfig, open_link
from plugins.bilibili.messages_open import OpenMapper
from plugins.bilibili.open_api import (
    BAD_CODE,
    ROOM_BUSY,
    Credentials,
    Game,
    OpenLiveApi,
    OpenLiveError,
    OpenLiveUnreachable,
)

log = logging.getLogger(__name__)

ENV_PREFIX = "LIVEDESK_BILIBILI_"
SCALE_ENV = ENV_PREFIX + "TIME_SCALE"
#: msg_ids remembered to drop repeats
REMEMBERED = 100_000
GAME_HEARTBEAT_S = 20.0  # the platform closes a game after 60 s without one
WS_HEARTBEAT_S = 30.0
COOLDOWN_S = 10.0  # 7001: "建议10秒后进行重试"
COOLDOWN_CAP_S = 60.0
RETRY_CAP_S = 60.0  # refused credentials or an unreachable platform during a restart
START_ATTEMPTS = 6  # in open(): 7001 and network errors are retried this often

CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.COMMENTS,
        Capability.GIFTS,
        Capability.LIKES,
        Capability.ENTRIES,
        Capability.PAID_MESSAGES,
        Capability.MEMBERSHIPS,
        Capability.LIVE_STATE,
    }
)


def _reason(capability: Capability) -> str:
    """Why open-live lacks ``capability``, in the UI language (translated when shown)."""
    if capability is Capability.ORDERS:
        return tr("B站开放平台不提供订单数据")
    if capability is Capability.CATALOGUE:
        return tr("B站开放平台不提供商品、库存和价格数据")
    if capability in (Capability.COUPONS, Capability.FLASH_SALES):
        return tr("B站开放平台不支持优惠券和秒杀")
    if capability is Capability.PLATFORM_LOTTERIES:
        return tr("B站开放平台不支持平台抽奖（可用中控台自己的抽奖）")
    if capability in (Capability.PIN, Capability.HIDE, Capability.MUTE, Capability.REPLY):
        return tr("B站开放平台不提供房间管理（置顶、隐藏、禁言、发言），请在直播姬中操作")
    if capability is Capability.SESSIONS:
        return tr("B站开放平台不支持从中控台开播/下播，请在直播姬中操作")
    if capability is Capability.PUSH_URL:
        return tr("B站开放平台不提供推流地址，请在 OBS 中填写直播姬给出的地址")
    if capability is Capability.TEAM_SETTINGS:
        return tr("B站开放平台不提供团队共享设置：评分设置只保存在本机")
    return tr("B站开放平台不推送关注、分享和在线人数")


def _credentials_error(exc: OpenLiveError) -> PlatformError:
    """The operator's sentence for a refusal of the app's keys, the app or the 身份码."""
    if exc.code == BAD_CODE:
        msg = tr("B站开放平台不认这个身份码，请在直播姬里重新复制主播身份码（错误码 {code}）")
    elif exc.code == 8002:
        msg = tr("B站开放平台拒绝了这个应用，请检查 app_id（错误码 {code}）")
    elif exc.code == 4007:
        msg = tr("B站开放平台拒绝了这台电脑的 IP（白名单限制，错误码 {code}）")
    else:
        msg = tr(
            "B站开放平台拒绝了请求签名，请检查 access_key_id 和 access_key_secret（错误码 {code}）"
        )
    return PlatformError("credentials", msg.format(code=exc.code))


def _platform_error(exc: OpenLiveError | OpenLiveUnreachable) -> PlatformError:
    if isinstance(exc, OpenLiveUnreachable):
        return PlatformError("offline", tr("连不上B站开放平台，请检查网络"))
    if exc.kind == "credentials":
        return _credentials_error(exc)
    if exc.code == ROOM_BUSY:
        msg = tr("这个直播间正在被另一个应用使用（错误码 {code}），请先关闭它")
        return PlatformError("room_busy", msg.format(code=exc.code))
    msg = tr("B站开放平台返回错误 {code}：{message}")
    return PlatformError("platform", msg.format(code=exc.code, message=exc.message))


class Timing:
    """The adapter's intervals, scaled together (``scale`` < 1 in tests)."""

    def __init__(self, scale: float = 1.0) -> None:
        if not scale > 0:
            raise ValueError("time scale must be positive")
        self.scale = scale
        self.game_heartbeat = GAME_HEARTBEAT_S * scale
        self.link = LinkConfig(heartbeat_interval=WS_HEARTBEAT_S * scale)
        self.cooldown = COOLDOWN_S * scale
        self.cooldown_cap = COOLDOWN_CAP_S * scale
        self.retry_cap = RETRY_CAP_S * scale


class OpenLiveAdapter(PlatformAdapter):
    """One streamer's room on open-live, for as long as the console holds it open."""

    capabilities = CAPABILITIES
    platform_name = "B站开放平台"

    def __init__(self, api: OpenLiveApi, game: Game, timing: Timing) -> None:
        self.api = api
        self.timing = timing
        self.game = game
        self.room = str(game.room_id)
        self.role = models.Role.HOST
        self.connection = ConnectionTracker()
        #: games started after the first (7003, interaction end, refused auth)
        self.restarts = 0
        self._mapper = OpenMapper()
        self._seen = RecentKeys(REMEMBERED)
        self._keys: OrderedDict[int, str] = OrderedDict()  # seq → msg key, for event_key
        self._seq = 0
        self._session: models.Session | None = None
        self._closed = False
        self._game_lock = asyncio.Lock()
        self._game_changed = asyncio.Event()  # wakes the reader: connect to the new game
        self._wake = asyncio.Event()  # reconnect_now: end the back-off wait
        self._heartbeat = spawn(self._heartbeats(), name="bilibili-game-heartbeat")

    # --- capabilities ----------------------------------------------------------------------
    def unsupported_reason(self, capability: Capability) -> str:
        return _reason(capability)

    def event_key(self, event: models.Event) -> Hashable:
        return self._keys.get(event.seq, event.seq)

    # --- state -----------------------------------------------------------------------------
    async def room_info(self) -> models.RoomInfo:
        """The room the 身份码 belongs to, titled by its streamer when the platform named them."""
        uname = self.game.uname
        title = tr("{name}的直播间").format(name=uname) if uname else ""
        return models.RoomInfo(id=self.room, title=title)

    async def snapshot(self) -> models.Snapshot:
        session = self._session if self._session and self._session.status == "live" else None
        return models.Snapshot(
            room=self.room, seq=self._seq, session=session, bag=models.Bag(version=0, products=[])
        )

    def reconnect_now(self) -> bool:
        self._wake.set()
        return True

    async def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        backoff = Backoff(base=0.2, cap=5.0)
        attempt = 0
        self.connection.set_state(LinkState.CONNECTING)
        try:
            while not self._closed:
                self._game_changed.clear()  # before reading the game: a later change wakes _read
                game = self.game
                url = game.wss_links[attempt % len(game.wss_links)]
                attempt += 1
                error = ""
                try:
                    async with contextlib.aclosing(self._read(game, url)) as reading:
                        async for batch in reading:
                            backoff.reset()
                            if batch:
                                yield batch
                except (OSError, TimeoutError, websockets.WebSocketException, CodecError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.info("bilibili long connection dropped: %s", error)
                except AuthRejected as exc:
                    log.warning("bilibili long connection: %s; starting a new game", exc)
                    await self._restart(game)
                    continue
                if self._closed:
                    return
                if self.game is not game:
                    continue  # a new game: connect to it at once
                self.connection.set_state(
                    LinkState.RECONNECTING, attempt=backoff.attempt + 1, error=error
                )
                await self._pause(backoff.next_delay())
        finally:
            if not self._closed:
                self.connection.set_state(LinkState.OFFLINE)

    async def _read(self, game: Game, url: str) -> AsyncGenerator[list[models.Event], None]:
        """One connection's events, until it drops or the game is replaced."""
        link = await open_link(url, game.auth_body.encode(), self.timing.link)
        commands = link.commands()
        changed = asyncio.ensure_future(self._game_changed.wait())
        step: asyncio.Future[list[Command]] | None = None
        try:
            self.connection.set_state(LinkState.CONNECTED)
            self._wake.clear()  # a reconnect request is answered
            while True:
                step = asyncio.ensure_future(anext(commands))
                done, _ = await asyncio.wait({step, changed}, return_when=asyncio.FIRST_COMPLETED)
                if step not in done:
                    return  # the game was replaced (heartbeat 7003): reconnect to the new one
                mapped = self._mapper.map_all(step.result())
                for reason in mapped.reasons:
                    log.warning("bilibili command skipped: %s", reason)
                yield self._events(mapped.events)
                if bev.SIGNAL_INTERACTION_END in mapped.signals:
                    log.info("bilibili: the platform ended the interaction; starting a new game")
                    await self._restart(game)
                    return
        finally:
            changed.cancel()
            if step is not None and not step.done():
                step.cancel()
                with contextlib.suppress(BaseException):
                    await step
            await link.close()

    def _events(self, mapped: Sequence[bev.BiliEvent]) -> list[models.Event]:
        out: list[models.Event] = []
        now = time.time()
        for be in mapped:
            if be.key is not None and not self._seen.add(be.key):
                continue  # resent after a reconnect
            made = self._event(be, now)
            if made is None:
                continue
            self._seq += 1
            event = models.Event(seq=self._seq, ts=now, type=made[0], data=made[1])
            if be.key is not None:
                self._keys[self._seq] = be.key
                if len(self._keys) > REMEMBERED:
                    self._keys.popitem(last=False)
            out.append(event)
        if out:
            self.connection.saw_events(self._seq)
        return out

    def _event(self, be: bev.BiliEvent, now: float) -> tuple[models.EventType, Any] | None:
        if be.type == bev.ROOM_STATE:
            return self._live_state(bool(be.data.get("live")), now)
        try:
            etype = models.EventType(be.type)
        except ValueError:
            return None  # a kind LiveDesk has no event for
        data = be.data
        if etype is models.EventType.COMMENT:
            data = {"comment": {**data["comment"], "ts": now}}
        try:
            return etype, models.EVENT_DATA[etype].model_validate(data)
        except models.ValidationError as exc:
            log.warning("bilibili %s event does not fit the model: %s", be.type, exc)
            return None

    def _live_state(self, live: bool, now: float) -> tuple[models.EventType, Any]:
        current = self._session
        if live:
            session = models.Session(id=f"{self.room}-{int(now)}", status="live", started_ts=now)
            etype = models.EventType.SESSION_STARTED
        else:
            session = models.Session(
                id=current.id if current else f"{self.room}-{int(now)}",
                status="ended",
                started_ts=current.started_ts if current else now,
                ended_ts=now,
            )
            etype = models.EventType.SESSION_ENDED
        self._session = session
        return etype, models.EVENT_DATA[etype].model_validate({"session": session})

    async def _pause(self, seconds: float) -> None:
        """Wait ``seconds``, or less when the operator asks to reconnect (also during the attempt
        before this wait: the request is kept until a wait uses it or the link is up)."""
        await wait_event(self._wake, seconds)
        self._wake.clear()

    # --- the game ----------------------------------------------------------------------------
    async def _heartbeats(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.timing.game_heartbeat)
            game = self.game
            if not game.game_id:
                continue  # an app that is not an interactive game has no game to keep alive
            try:
                await self.api.heartbeat(game.game_id)
            except OpenLiveError as exc:
                if exc.kind == "restart":
                    log.warning("bilibili: the game is closed (7003); starting a new one")
                    await self._restart(game)
                else:
                    log.warning("bilibili heartbeat refused: %s", exc)
            except OpenLiveUnreachable as exc:
                log.warning("bilibili heartbeat failed: %s", exc)

    async def _restart(self, old: Game) -> None:
        """Replace ``old`` by a new game (once, however many parts of the adapter ask)."""
        async with self._game_lock:
            if self.game is not old or self._closed:
                return
            if old.game_id:
                with contextlib.suppress(OpenLiveError, OpenLiveUnreachable):
                    await self.api.end(old.game_id)
            backoff = Backoff(base=self.timing.cooldown, cap=self.timing.cooldown_cap, jitter=False)
            while not self._closed:
                try:
                    game = await self.api.start()
                except OpenLiveError as exc:
                    if exc.kind == "cooldown":
                        delay = backoff.next_delay()
                        log.info("bilibili start: cooling down (7001), retrying in %.1f s", delay)
                        await self._pause(delay)
                        continue
                    err = _platform_error(exc)
                    self.connection.set_state(LinkState.OFFLINE, error=err.message)
                    log.warning("bilibili start refused: %s", exc)
                    await self._pause(self.timing.retry_cap)
                    continue
                except OpenLiveUnreachable as exc:
                    log.warning("bilibili start failed: %s", exc)
                    await self._pause(min(self.timing.retry_cap, backoff.next_delay()))
                    continue
                self.game = game
                self.restarts += 1
                self._game_changed.set()
                log.info("bilibili: new game %s in room %s", game.game_id, game.room_id)
                return

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._game_changed.set()
        self._heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._heartbeat
        try:
            if self.game.game_id:
                await self.api.end(self.game.game_id)
        except (OpenLiveError, OpenLiveUnreachable) as exc:
            log.warning("bilibili: ending the game failed: %s", exc)
        finally:
            await self.api.aclose()
            self.connection.set_state(LinkState.OFFLINE)


def credentials_from(settings: dict[str, Any]) -> Credentials:
    """The app's keys and the 身份码 from ``settings``, else the environment."""
    values = {
        k: setting(settings, k, ENV_PREFIX)
        for k in ("app_id", "access_key_id", "access_key_secret")
    }
    values["code"] = setting(settings, "code", ENV_PREFIX)
    missing = [ENV_PREFIX + k.upper() for k, v in values.items() if not v]
    if missing:
        msg = tr("缺少B站开放平台凭据：{names}")
        raise PlatformError("missing_settings", msg.format(names=", ".join(missing)))
    try:
        app_id = int(values["app_id"])
    except ValueError:
        raise PlatformError("missing_settings", tr("B站开放平台的 app_id 应当是数字")) from None
    return Credentials(app_id, values["access_key_id"], values["access_key_secret"], values["code"])


async def start_game(api: OpenLiveApi, timing: Timing) -> Game:
    """``/v2/app/start``, retrying 7001 (cool-down) and network errors a few times."""
    backoff = Backoff(base=timing.cooldown, cap=timing.cooldown_cap, jitter=False)
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            return await api.start()
        except OpenLiveError as exc:
            if exc.kind != "cooldown" or attempt == START_ATTEMPTS:
                raise _platform_error(exc) from None
            delay = backoff.next_delay()
            log.info("bilibili start: cooling down (7001), retrying in %.1f s", delay)
        except OpenLiveUnreachable as exc:
            if attempt == START_ATTEMPTS:
                raise _platform_error(exc) from None
            delay = min(timing.retry_cap, timing.scale * attempt)
            log.warning("bilibili start failed (%s), retrying in %.1f s", exc, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")


#: what the connection dialog asks for (the values reach ``open(settings)`` under these names)
FIELDS: tuple[ConnectionField, ...] = (
    ConnectionField(
        "code",
        tr_noop("主播身份码"),
        secret=True,
        help=tr_noop("在直播姬或B站直播间的「互动玩法」里复制主播身份码"),
    ),
    ConnectionField(
        "app_id",
        tr_noop("应用 ID (app_id)"),
        help=tr_noop("在B站直播开放平台创建的应用的 ID（数字）"),
    ),
    ConnectionField(
        "access_key_id",
        "access_key_id",
        help=tr_noop("开放平台开发者的 access_key_id"),
    ),
    ConnectionField(
        "access_key_secret",
        "access_key_secret",
        secret=True,
        help=tr_noop("开放平台开发者的 access_key_secret，只保存在系统钥匙串里"),
    ),
    ConnectionField(
        "room",
        tr_noop("直播间号（可选）"),
        optional=True,
        help=tr_noop("填写后，身份码属于别的房间时会提醒你"),
    ),
)


class OpenLiveFactory:
    name = "bilibili"
    title = "B站开放平台 (Bilibili Open Live)"
    capabilities = CAPABILITIES
    fields = FIELDS

    @property
    def display_name(self) -> str:
        return tr("B站直播开放平台")

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter:
        creds = credentials_from(settings)
        scale = settings.get("time_scale") or os.environ.get(SCALE_ENV) or 1.0
        try:
            timing = Timing(float(scale))
        except ValueError:
            raise PlatformError("missing_settings", f"{SCALE_ENV}: {scale!r}") from None
        api = OpenLiveApi(creds, settings.get("base") or None)
        try:
            game = await start_game(api, timing)
        except BaseException:
            await api.aclose()
            raise
        asked = str(settings.get("room") or "")
        if asked and asked != str(game.room_id):
            with contextlib.suppress(OpenLiveError, OpenLiveUnreachable):
                await api.end(game.game_id)
            await api.aclose()
            msg = tr("这个身份码属于房间 {room}，不是 {asked}")
            raise PlatformError("wrong_room", msg.format(room=game.room_id, asked=asked))
        log.info("bilibili: game %s in room %s", game.game_id, game.room_id)
        return OpenLiveAdapter(api, game, timing)
