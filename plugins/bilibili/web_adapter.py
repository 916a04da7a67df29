"""The ``bilibili-web`` platform adapter: a Bilibili live room's events over the web danmaku
protocol — for personal use only: it is the protocol of Bilibili's own web page, not an API
Bilibili offers to third parties (the factory's :attr:`~BilibiliWebAdapterFactory.note` says so
wherever the platform is chosen; the sanctioned path is the ``bilibili`` open-live adapter).

``BilibiliWebAdapterFactory().open({"room": …})`` runs the HTTP chain of
:mod:`plugins.bilibili.web_api` (buvid3 → nav → real room id → signed getDanmuInfo), so a room
that does not exist or a Bilibili that cannot be reached is a :class:`~app.api.PlatformError`
at once. Optional settings: ``sessdata`` (else ``LIVEDESK_BILIBILI_SESSDATA``; without it
Bilibili masks viewers' names after a few minutes), ``base`` (else
``LIVEDESK_BILIBILI_WEB_BASE``), ``heartbeat_interval``, ``backoff_base``, ``backoff_cap``
(seconds).

Guarantees:

- Capabilities: the interaction events and the room state (live/offline, viewers), nothing else;
  every other action is refused with a sentence in the UI language saying why
  (:meth:`BilibiliWebAdapter.unsupported_reason`).
- :meth:`~BilibiliWebAdapter.event_batches` connects to the danmaku socket
  (:mod:`plugins.bilibili.link`: auth at once, heartbeats every 30 s) and yields the mapped events
  (:mod:`plugins.bilibili.messages_web`) numbered 1, 2, 3… in arrival order (Bilibili keeps no
  log: a reconnect cannot replay what was missed). Every drop reconnects with capped, jittered
  backoff (:class:`~app.api.Backoff`) to the next host of ``host_list``; an auth rejected
  (-101, expired token) re-runs the HTTP chain before the next attempt, and so does every
  ``max(3, len(host_list))``-th failure in a row (blivedm's policy). The link state is reported
  through :attr:`~BilibiliWebAdapter.connection`.
- No event is yielded twice: an event with a platform message id (``dm:…``, ``gift:…``, ``sc:…``,
  ``guard:…``, ``iw:…``) seen among the last :data:`REMEMBERED` is dropped — Bilibili re-sends
  messages around a reconnect, and ``SEND_GIFT``/``SEND_GIFT_V2``, ``GUARD_BUY``/
  ``USER_TOAST_MSG`` describe the same purchase. :meth:`~BilibiliWebAdapter.event_key` gives
  that id.
- ``LOG_IN_NOTICE`` (a guest connection: Bilibili now masks names as 张**** and uids as 0) adds
  the plain-text :data:`names_masked_note` to :attr:`~BilibiliWebAdapter.notes` once, tells the
  note listeners and logs it (WARNING: ``livedesk events`` shows it on stderr).
- A comment's own ``ts`` is the time it arrived (as on ``bilibili``).
- ``LIVE``/``PREPARING`` become ``session_started``/``session_ended`` (a session is a broadcast
  here); ``WATCHED_CHANGE``/``ONLINE_RANK_COUNT`` a ``viewers`` event carrying the latest of
  both figures. Room notes (commerce signals, gift combos; the guest notice once: it carries
  one key) and Super Chat takedowns are events of their own (``room_note``,
  ``paid_message_deleted``).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from typing import Any

import pydantic
import websockets

from app.aio import wait_event
from app.api import (
    INTERACTION,
    Backoff,
    Capability,
    ConnectionField,
    ConnectionTracker,
    LinkState,
    Listeners,
    PlatformAdapter,
    PlatformError,
    RecentKeys,
    models,
    tr,
    tr_noop,
)
from plugins.bilibili import events as ev
from plugins.bilibili.codec import CodecError, Command
from plugins.bilibili.events import BiliEvent
from plugins.bilibili.link import AuthRejected, LinkConfig, open_link
from plugins.bilibili.messages_web import WebMapper
from plugins.bilibili.web_api import DanmakuInit, WebApi

log = logging.getLogger(__name__)

WEB_CAPABILITIES: frozenset[Capability] = INTERACTION | {Capability.LIVE_STATE, Capability.VIEWERS}
#: message ids remembered to drop repeats (far more than a reconnect re-sends)
REMEMBERED = 50_000
#: seq → message id kept for :meth:`BilibiliWebAdapter.event_key` (asked right on arrival)
KEYS_KEPT = 10_000

_COMMERCE = {Capability.CATALOGUE, Capability.ORDERS, Capability.COUPONS, Capability.FLASH_SALES}
_MODERATION = {Capability.PIN, Capability.HIDE, Capability.MUTE, Capability.REPLY}
_BROADCAST = {Capability.SESSIONS, Capability.PUSH_URL}


def names_masked_note() -> str:
    return tr(
        "B站已隐藏观众昵称（显示为 张****）：未登录的连接看不到他人昵称。"
        "填写 SESSDATA（B站登录 Cookie）后重新连接即可显示完整昵称。"
    )


def web_reason(capability: Capability) -> str:
    """Why the web danmaku protocol lacks ``capability``, in the UI language."""
    if capability in _COMMERCE:
        return tr("B站网页弹幕只提供直播间的互动和状态，没有商品、订单和营销数据")
    if capability in _MODERATION:
        return tr("B站网页弹幕是只读连接：置顶、隐藏、禁言和发言请在B站上操作")
    if capability in _BROADCAST:
        return tr("请在B站直播姬或网页上开播、下播，推流地址也在那里获取")
    if capability is Capability.PLATFORM_LOTTERIES:
        return tr("B站网页弹幕不支持平台抽奖（可用中控台自己的抽奖）")
    if capability is Capability.TEAM_SETTINGS:
        return tr("B站网页弹幕不提供团队共享设置：评分设置只保存在本机")
    return tr("B站网页弹幕不提供此功能")


class BilibiliWebAdapter(PlatformAdapter):
    capabilities = WEB_CAPABILITIES

    def __init__(
        self,
        api: WebApi,
        room_arg: str,
        init: DanmakuInit,
        *,
        link_config: LinkConfig | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.api = api
        self.room_arg = room_arg
        self.room = str(init.room_id)
        self.role = models.Role.HOST
        self.platform_name = tr("B站网页弹幕")
        self.connection = ConnectionTracker()
        self.notes: list[str] = list(api.notes)
        self._api_notes = len(api.notes)  # the chain's notes already taken over
        self.link_config = link_config or LinkConfig()
        self.backoff = backoff or Backoff(base=1.0, cap=30.0)
        self.init: DanmakuInit | None = init
        self.mapper = WebMapper()
        self.session: models.Session | None = self._session(init.live)
        self.seq = 0
        self.online = 0
        self.uv = 0
        self._seen = RecentKeys(REMEMBERED)
        self._keys: collections.OrderedDict[int, str] = collections.OrderedDict()
        self._note_listeners: Listeners[[str]] = Listeners("note listener")
        self._masked = False
        self._closed = False
        self._wake = asyncio.Event()

    # --- capabilities and notes ---------------------------------------------------------------
    def unsupported_reason(self, capability: Capability) -> str:
        return web_reason(capability)

    def subscribe_notes(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """``listener(note)`` for every note from now on (plain text, UI language)."""
        return self._note_listeners.add(listener)

    def _note(self, note: str) -> None:
        self.notes.append(note)
        log.warning("%s", note)
        self._note_listeners.emit(note)

    def event_key(self, event: models.Event) -> Hashable:
        return self._keys.get(event.seq, event.seq)

    # --- state ---------------------------------------------------------------------------------
    async def snapshot(self) -> models.Snapshot:
        return models.Snapshot(
            room=self.room,
            seq=self.seq,
            session=self.session,
            bag=models.Bag(version=0, products=[]),
        )

    async def room_info(self) -> models.RoomInfo:
        return models.RoomInfo(id=self.room, title=tr("B站直播间 {room}").format(room=self.room))

    def _session(self, live: bool, ts: float | None = None) -> models.Session | None:
        if not live:
            return None
        started = time.time() if ts is None else ts
        return models.Session(
            id=f"bili-{self.room}-{int(started)}", status="live", started_ts=started
        )

    # --- lifecycle -------------------------------------------------------------------------------
    def reconnect_now(self) -> bool:
        if self._closed:
            return False
        self._wake.set()
        return True

    async def close(self) -> None:
        self._closed = True
        self._wake.set()
        await self.api.aclose()
        self.connection.set_state(LinkState.OFFLINE)

    async def _pause(self, seconds: float) -> None:
        """The backoff wait; :meth:`reconnect_now` ends it (also when asked during an attempt:
        the next attempt is then immediate)."""
        await wait_event(self._wake, seconds)
        self._wake.clear()

    # --- the stream ------------------------------------------------------------------------------
    async def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[models.Event]]:
        backoff = self.backoff
        failures = 0
        host = 0
        self.connection.set_state(LinkState.CONNECTING)
        try:
            while not self._closed:
                link = None
                error = ""
                try:
                    if self.init is None:
                        self.init = await self.api.initialise(self.room_arg)
                        self._notes_from_api()
                        host = 0
                    init = self.init
                    url = init.urls[host % len(init.urls)]
                    link = await open_link(url, init.auth_body(), self.link_config)
                    self.connection.set_state(LinkState.CONNECTED)
                    backoff.reset()
                    failures = 0
                    async for commands in link.commands():
                        batch = self._ingest(commands)
                        if batch:
                            self.connection.saw_events(self.seq)
                            yield batch
                    error = tr("与B站的弹幕连接中断，正在重连")
                except AuthRejected as exc:
                    log.warning("Bilibili refused the danmaku auth (%s): re-initialising", exc.code)
                    self.init = None
                    error = tr("B站拒绝了弹幕认证（{code}），正在重新获取凭据").format(
                        code=exc.code
                    )
                except PlatformError as exc:
                    error = exc.message
                except (OSError, TimeoutError, websockets.WebSocketException, CodecError) as exc:
                    log.info("Bilibili danmaku link dropped: %r", exc)
                    error = tr("与B站的弹幕连接中断，正在重连")
                finally:
                    if link is not None:
                        await link.close()
                if self._closed:
                    break
                failures += 1
                host += 1
                hosts = len(self.init.urls) if self.init is not None else 1
                if failures % max(3, hosts) == 0:
                    self.init = None  # a fresh token and host list (blivedm's policy)
                delay = backoff.next_delay()
                self.connection.set_state(
                    LinkState.RECONNECTING, attempt=backoff.attempt, error=error
                )
                await self._pause(delay)
        finally:  # closed, or the consumer stopped reading: no link any more
            self.connection.set_state(LinkState.OFFLINE)

    def _notes_from_api(self) -> None:
        for note in self.api.notes[self._api_notes :]:
            self._note(note)
        self._api_notes = len(self.api.notes)

    def _ingest(self, commands: list[Command]) -> list[models.Event]:
        batch = self.mapper.map_all(commands)
        for reason in batch.reasons:
            log.warning("Bilibili command skipped: %s", reason)
        if batch.reasons:
            self.connection.skipped((), len(batch.reasons), "malformed")
        if ev.SIGNAL_NAMES_MASKED in batch.signals and not self._masked:
            self._masked = True
            self._note(names_masked_note())
        now = time.time()
        out: list[models.Event] = []
        for bev in batch.events:
            if bev.key is not None and not self._seen.add(bev.key):
                continue
            event = self._event(bev, now)
            if event is None:
                continue
            out.append(event)
            if bev.key is not None:
                self._keys[event.seq] = bev.key
                if len(self._keys) > KEYS_KEPT:
                    self._keys.popitem(last=False)
        return out

    def _event(self, bev: BiliEvent, now: float) -> models.Event | None:
        kind, data = bev.type, bev.data
        if kind == ev.VIEWERS:
            self.online = int(data.get("online", self.online))
            self.uv = int(data.get("uv", self.uv))
            data = {"online": self.online, "uv": self.uv}
        elif kind == ev.ROOM_STATE:
            return self._room_state(bool(data.get("live")), now)
        elif kind == ev.COMMENT:  # the time it arrived, as on open-live (not 0: "unknown")
            data = {"comment": {**data["comment"], "ts": now}}
        try:
            etype = models.EventType(kind)
            payload = models.EVENT_DATA[etype].model_validate(data)
        except (ValueError, KeyError, pydantic.ValidationError):
            log.debug("Bilibili %s has no LiveDesk event kind: dropped", kind)
            return None
        self.seq += 1
        return models.Event(seq=self.seq, ts=now, type=etype, data=payload)

    def _room_state(self, live: bool, now: float) -> models.Event | None:
        if live == (self.session is not None):
            return None
        if live:
            self.session = self._session(True, now)
            etype, session = models.EventType.SESSION_STARTED, self.session
        else:
            assert self.session is not None
            session = self.session.model_copy(update={"status": "ended", "ended_ts": now})
            self.session = None
            etype = models.EventType.SESSION_ENDED
        self.seq += 1
        payload = models.SessionData(session=session)
        return models.Event(seq=self.seq, ts=now, type=etype, data=payload)


#: what the connection dialog asks for (the values reach ``open(settings)`` under these names)
WEB_FIELDS: tuple[ConnectionField, ...] = (
    ConnectionField(
        "room",
        tr_noop("直播间号"),
        help=tr_noop("直播间网址 live.bilibili.com/ 后面的数字"),
    ),
    ConnectionField(
        "sessdata",
        tr_noop("SESSDATA（可选）"),
        secret=True,
        optional=True,
        help=tr_noop(
            "B站登录 Cookie 中的 SESSDATA。不填时B站会在几分钟后隐藏观众昵称。只保存在系统钥匙串里"
        ),
    ),
)


class BilibiliWebAdapterFactory:
    name = "bilibili-web"
    title = "B站直播 · 网页弹幕（个人使用）(Bilibili Live web danmaku, personal use)"
    capabilities = WEB_CAPABILITIES
    fields = WEB_FIELDS

    @property
    def display_name(self) -> str:
        """The name to show (UI language); it says: personal use, not a sanctioned API."""
        return tr("B站直播（网页弹幕，个人使用）")

    @property
    def note(self) -> str:
        """Shown wherever this platform is chosen (plain text, UI language)."""
        return tr(
            "仅限个人使用：网页弹幕协议是B站网页自己用的协议，不是B站开放给第三方的接口，"
            "可能随时变化或受限。正式直播请使用「B站直播开放平台」。"
        )

    async def open(self, settings: dict[str, Any]) -> PlatformAdapter:
        room = str(settings.get("room") or "").strip()
        if not room:
            raise PlatformError("missing_settings", tr("请填写B站直播间号"))
        api = WebApi.from_env(settings)
        try:
            init = await api.initialise(room)
        except BaseException:
            await api.aclose()
            raise
        link = LinkConfig()
        if settings.get("heartbeat_interval"):
            link = LinkConfig(heartbeat_interval=float(settings["heartbeat_interval"]))
        backoff = Backoff(
            base=float(settings.get("backoff_base") or 1.0),
            cap=float(settings.get("backoff_cap") or 30.0),
        )
        return BilibiliWebAdapter(api, room, init, link_config=link, backoff=backoff)
