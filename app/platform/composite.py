"""A room made of two sources: an interaction source and a commerce backend, as one adapter.

Live sellers often stream on a chat platform (Twitch, Bilibili) and sell from a shop system of
their own. :class:`CompositeAdapter` joins two opened adapters — ``interaction`` (the chat
platform) and ``commerce`` (the shop) — into one :class:`~app.platform.adapter.PlatformAdapter`,
so the console, ``livedesk events`` and the session recorder see one room. :func:`open_room`
opens one from two factory names; the console (ui/launch.py) and ``livedesk events``
(app/events_tap.py) both open rooms through it.

Guarantees:

- **Who owns what.** A capability in :data:`~app.platform.capabilities.COMMERCE` (catalogue,
  orders, coupons, flash sales, stock reservation) belongs to the commerce backend, every other
  one (comments, gifts, memberships, viewers, live state, moderation, platform lotteries, red
  envelopes, sessions, the push URL) to the interaction source. The room offers a capability when
  its owner offers it (``capabilities``), each action goes to the owner of its capability
  (:data:`~app.platform.capabilities.REQUIRED_BY_ACTION`), and an action the owner does not offer
  is refused with ``not_supported`` like on any platform. :meth:`why_not` gives the owner's own
  reason; when neither source offers it, the sentence names the combination
  (「Twitch + 沙盒平台不提供订单数据」).
- **Events.** One stream of both, numbered 1, 2, 3… after the first snapshot's seq (see below)
  in the order they reach the room. An event kind that belongs to a capability
  (:data:`~app.platform.capabilities.EVENT_CAPABILITY`) is kept only from the source that owns
  that capability, whatever the other sends (a sandbox used as the shop sends its simulated
  audience's comments too: dropped; a chat source's ``product_updated``: dropped). Kinds that
  belong to no capability (``room_note``) are kept from both. Events are handed over without
  the platform's wire bytes (their seq changed): the recorder encodes them itself.
- **Seqs and resuming.** The first snapshot's seq is the sum of the two sources' seqs, and every
  composite seq stays at most the sum of the sources' seqs at that time, so a later composite
  of the same two sources starts above every seq an earlier one handed over — when both keep
  their numbering across connections (a platform with a log does; the Twitch adapter counts
  from 1 at each start, as it does on its own). The composite
  remembers, per source, the last seq it numbered; :meth:`event_batches` resumes each source from
  there. It does not replay what it already handed over: asked for events after a seq below the
  last it numbered, it answers ``resync_required`` (reload the snapshot; the contract allows it).
  A ``resync_required`` from either source is one from the room. A snapshot that covers events
  of a source the composite has not numbered (a resync) moves the composite seq on by that many
  (an upper bound: dropped kinds count too), so a consumer sees a jump where events were skipped
  instead of nothing: the session recorder notes that gap. :meth:`event_log` has no joint log to
  read: it answers ``resync_required`` (the recorder notes the gap), like a platform without one.
  One reader of :meth:`event_batches` at a time (as the Twitch adapter requires).
- **Snapshot.** Room, live session, lotteries, red envelopes, pinned comment, mutes and the
  audience counters from the interaction source; bag, explaining, coupons, flash sales,
  reservations and the order counters (orders, buyers, GMV, refunds) from the commerce backend.
  :meth:`orders` is the backend's (``Order.seq`` there and in order events is the backend's own).
- **Link.** :attr:`connection` is the worse of the two links, its ``error`` naming each source
  that is not connected (「Shopify：重连中」); skipped messages of either are counted (as
  unnumbered: their seqs are the source's). ``event_key`` is ``(side, the source's key)``,
  unique across the two. :meth:`close` closes both. :attr:`own_token_ids` are this console's
  token ids on both (its own actions on either source are its own in the team's activity).
- No invites: an invite carries one platform's address and token (``team_invites`` refuses).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from dataclasses import replace
from typing import Any

from app.aio import spawn
from app.i18n import tr
from app.platform.adapter import PlatformAdapter
from app.platform.capabilities import (
    COMMERCE,
    EVENT_CAPABILITY,
    REQUIRED_BY_ACTION,
    Capability,
    default_reason,
)
from app.platform.connection import ConnectionTracker, LinkState, Skip
from app.platform.errors import PlatformError
from app.platform.models import (
    Event,
    EventType,
    Members,
    ResyncRequiredData,
    RoomInfo,
    Snapshot,
    TeamInvites,
)

__all__ = ["COMMERCE_SIDE", "INTERACTION_SIDE", "CombinedTracker", "CompositeAdapter", "open_room"]

INTERACTION_SIDE = "chat"
COMMERCE_SIDE = "shop"
#: event keys remembered for ``event_key`` (far more than a consumer dedupes across a reconnect)
REMEMBERED = 100_000
#: batches a source may hand over ahead of the reader (then it waits: back-pressure)
AHEAD = 8
#: the snapshot's order counters, taken from the commerce backend
ORDER_METRICS = ("orders", "paid_orders", "buyers", "gmv_cents", "paid_gmv_cents", "refunded_cents")

_RANK = {
    LinkState.CONNECTED: 0,
    LinkState.CONNECTING: 1,
    LinkState.RECONNECTING: 2,
    LinkState.OFFLINE: 3,
}


def _state_word(state: LinkState) -> str:
    return {
        LinkState.CONNECTED: tr("已连接"),
        LinkState.CONNECTING: tr("连接中"),
        LinkState.RECONNECTING: tr("重连中"),
        LinkState.OFFLINE: tr("离线"),
    }[state]


class CombinedTracker(ConnectionTracker):
    """The link of a two-source room: the worse of the two states; ``error`` names each source
    that is not connected, with its own reason (「Shopify：重连中」). Listeners hear when the
    combined state, error, attempt or recovery note changes."""

    def __init__(self, sides: Sequence[tuple[Callable[[], str], ConnectionTracker]]) -> None:
        super().__init__()
        self._sides = tuple(sides)
        self._closed = False
        self._unsubs: list[Callable[[], None]] = []
        for _name, tracker in self._sides:
            self._unsubs.append(tracker.subscribe(lambda _s: self._recompute()))
            self._unsubs.append(tracker.subscribe_skips(self._inner_skip))
        self._recompute()

    def _inner_skip(self, skip: Skip) -> None:
        self.skipped((), skip.count, skip.reason)  # the source's seqs are not the room's

    def _recompute(self) -> None:
        if self._closed:
            return
        statuses = [(name(), tracker.status) for name, tracker in self._sides]
        worst = max((s for _n, s in statuses), key=lambda s: _RANK[s.state])
        down = [(n, s) for n, s in statuses if s.state is not LinkState.CONNECTED]
        error = (
            tr("；").join(
                tr("{source}：{reason}").format(
                    source=n, reason=(s.error or _state_word(s.state)).strip()
                )
                for n, s in down
            )
            or None
        )
        recovery = next((s.recovery for _n, s in statuses if s.recovery is not None), None)
        old = self._status
        if (old.state, old.error, old.attempt, old.recovery) == (
            worst.state,
            error,
            worst.attempt,
            recovery,
        ):
            return
        since = old.since if old.state is worst.state else time.time()
        self._status = replace(
            old,
            state=worst.state,
            since=since,
            attempt=worst.attempt,
            error=error,
            recovery=recovery,
        )
        self._notify()

    def close(self) -> None:
        """Stop following the two sources; the room's link is offline from now on."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        self._closed = True
        self.set_state(LinkState.OFFLINE)


def _name_of(adapter: PlatformAdapter) -> str:
    return adapter.platform_name or tr("该平台")


class CompositeAdapter(PlatformAdapter):
    """One room: ``interaction``'s audience and ``commerce``'s shop (see the module docstring).

    ``names``: the two sources' display names for messages (default: each ``platform_name``).
    """

    def __init__(
        self,
        interaction: PlatformAdapter,
        commerce: PlatformAdapter,
        *,
        names: tuple[str, str] | None = None,
    ) -> None:
        self.interaction = interaction
        self.commerce = commerce
        self._names = names
        self.room = interaction.room
        self.role = interaction.role
        self.token_id = interaction.token_id
        self.base_url = commerce.base_url  # product images are the shop's
        self.chat_language = interaction.chat_language  # the chat is the interaction source's
        self.capabilities = frozenset(
            (interaction.capabilities - COMMERCE) | (commerce.capabilities & COMMERCE)
        )
        self.platform_name = (
            f"{self.source_name(INTERACTION_SIDE)} + {self.source_name(COMMERCE_SIDE)}"
        )
        self.connection: CombinedTracker = CombinedTracker(
            [
                (lambda: self.source_name(INTERACTION_SIDE), interaction.connection),
                (lambda: self.source_name(COMMERCE_SIDE), commerce.connection),
            ]
        )
        self._origin: int | None = None
        self._last = 0  # the last composite seq given (or the snapshot's)
        self._pos = {INTERACTION_SIDE: 0, COMMERCE_SIDE: 0}  # each source's last seq taken
        self._generation = 0  # bumped by a snapshot that skipped events
        self._keys: collections.OrderedDict[int, tuple[str, Hashable]] = collections.OrderedDict()
        self._closed = False

    # --- the two sources ------------------------------------------------------------------------
    def source_name(self, side: str) -> str:
        """The display name of the interaction (``"chat"``) or commerce (``"shop"``) source."""
        if self._names is not None:
            return self._names[0 if side == INTERACTION_SIDE else 1]
        return _name_of(self.interaction if side == INTERACTION_SIDE else self.commerce)

    def side_of(self, capability: Capability) -> str:
        """Which source owns ``capability``."""
        return COMMERCE_SIDE if capability in COMMERCE else INTERACTION_SIDE

    def _adapter(self, side: str) -> PlatformAdapter:
        return self.interaction if side == INTERACTION_SIDE else self.commerce

    def keeps(self, side: str, event: Event) -> bool:
        """Whether an event of ``side`` is part of the room (its kind is that side's, or no
        side's)."""
        needed = EVENT_CAPABILITY.get(event.type)
        return needed is None or self.side_of(needed) == side

    # --- capabilities ---------------------------------------------------------------------------
    def unsupported_reason(self, capability: Capability) -> str:
        side = self.side_of(capability)
        other = COMMERCE_SIDE if side == INTERACTION_SIDE else INTERACTION_SIDE
        if self._adapter(other).can(capability):  # the owner lacks it; its own reason says why
            return self._adapter(side).unsupported_reason(capability)
        return default_reason(capability, self.platform_name)

    def event_key(self, event: Event) -> Hashable:
        return self._keys.get(event.seq, ("room", event.seq))

    @property
    def own_token_ids(self) -> frozenset[str]:
        """This console's token ids on the two sources (``Actor.token_id`` of its own actions:
        a change made through the shop is this console's as well as one made in the chat)."""
        ids = (self.interaction.token_id, self.commerce.token_id)
        return frozenset(i for i in ids if i)

    # --- notes (a source's words for the operator, when it has any) -----------------------------
    @property
    def notes(self) -> list[str]:
        out: list[str] = []
        for adapter in (self.interaction, self.commerce):
            out.extend(str(n) for n in getattr(adapter, "notes", None) or ())
        return out

    def subscribe_notes(self, listener: Callable[[str], None]) -> Callable[[], None]:
        unsubs = [
            sub(listener)
            for adapter in (self.interaction, self.commerce)
            if callable(sub := getattr(adapter, "subscribe_notes", None))
        ]

        def unsubscribe() -> None:
            for unsub in unsubs:
                unsub()

        return unsubscribe

    # --- lifecycle ------------------------------------------------------------------------------
    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(
            self.interaction.close(), self.commerce.close(), return_exceptions=True
        )
        self.connection.close()

    def reconnect_now(self) -> bool:
        a = self.interaction.reconnect_now()
        b = self.commerce.reconnect_now()
        return a or b

    # --- state ----------------------------------------------------------------------------------
    async def snapshot(self) -> Snapshot:
        chat, shop = await asyncio.gather(self.interaction.snapshot(), self.commerce.snapshot())
        pos = self._pos
        if self._origin is None:
            self._origin = self._last = chat.seq + shop.seq
            pos[INTERACTION_SIDE], pos[COMMERCE_SIDE] = chat.seq, shop.seq
        else:
            skipped = max(0, chat.seq - pos[INTERACTION_SIDE]) + max(
                0, shop.seq - pos[COMMERCE_SIDE]
            )
            if skipped:
                self._last += skipped
                self._generation += 1
                pos[INTERACTION_SIDE] = max(pos[INTERACTION_SIDE], chat.seq)
                pos[COMMERCE_SIDE] = max(pos[COMMERCE_SIDE], shop.seq)
        metrics = chat.metrics.model_copy(
            update={k: getattr(shop.metrics, k) for k in ORDER_METRICS}
        )
        return chat.model_copy(
            update={
                "room": self.room,
                "seq": self._last,
                "bag": shop.bag,
                "explaining": shop.explaining,
                "coupons": shop.coupons,
                "flash_sales": shop.flash_sales,
                "reservations": shop.reservations,
                "metrics": metrics,
                "currency": shop.currency,
            }
        )

    def _resync(self, reason: str) -> Event:
        data = ResyncRequiredData(reason=reason, last_seq=self._last)
        return Event(seq=0, ts=time.time(), type=EventType.RESYNC_REQUIRED, data=data)

    async def event_batches(self, after_seq: int) -> AsyncIterator[Sequence[Event]]:
        if self._origin is None:
            await self.snapshot()
        if after_seq < self._last:
            yield [self._resync("a two-source room does not replay what it handed over")]
            return
        generation = self._generation
        queue: asyncio.Queue[tuple[str, Sequence[Event] | BaseException | None]] = asyncio.Queue(
            AHEAD
        )
        pumps = [
            spawn(self._pump(side, queue), name=f"composite-{side}")
            for side in (INTERACTION_SIDE, COMMERCE_SIDE)
        ]
        running = len(pumps)
        try:
            while running:
                side, item = await queue.get()
                if item is None:
                    running -= 1  # that source's stream ended (closed)
                    continue
                if isinstance(item, BaseException):
                    raise item
                if generation != self._generation:  # a snapshot skipped events meanwhile
                    yield [self._resync("the room's snapshot was reloaded")]
                    return
                out, resync = self._number(side, item)
                if out:
                    self.connection.saw_events(self._last)
                    yield out
                if resync:
                    yield [self._resync(f"the {side} source asked for a resync")]
                    return
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)

    def _number(self, side: str, batch: Sequence[Event]) -> tuple[list[Event], bool]:
        """The room's events of a source's ``batch`` (numbered), and whether it asked for a
        resync."""
        adapter = self._adapter(side)
        pos = self._pos
        keys = self._keys
        out: list[Event] = []
        for ev in batch:
            if ev.type is EventType.RESYNC_REQUIRED:
                return out, True
            if ev.seq <= pos[side]:
                continue  # taken already, or covered by a snapshot
            pos[side] = ev.seq
            if not self.keeps(side, ev):
                continue
            self._last += 1
            keys[self._last] = (side, adapter.event_key(ev))
            if len(keys) > REMEMBERED:
                keys.popitem(last=False)
            out.append(ev.model_copy(update={"seq": self._last}))
        return out, False

    async def _pump(
        self, side: str, queue: asyncio.Queue[tuple[str, Sequence[Event] | BaseException | None]]
    ) -> None:
        batches = self._adapter(side).event_batches(self._pos[side])
        try:
            async for batch in batches:
                await queue.put((side, batch))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the reader raises it
            await queue.put((side, exc))
            return
        finally:
            aclose = getattr(batches, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        await queue.put((side, None))

    async def event_log(self, after_seq: int) -> AsyncIterator[Sequence[Event]]:
        """No joint log to read again: one ``resync_required`` batch, then the end."""
        yield [self._resync("a two-source room keeps no joint event log")]

    # --- actions not in REQUIRED_BY_ACTION ------------------------------------------------------
    async def room_info(self) -> RoomInfo:
        return await self.interaction.room_info()

    async def members(self) -> Members:
        return await self.interaction.members()

    async def team_invites(self) -> TeamInvites:
        raise PlatformError("not_supported", tr("直播间由两个来源组成时不支持邀请队友"))

    async def _route(self, action: str, capability: Capability, *args: Any, **kwargs: Any) -> Any:
        if capability not in self.capabilities:
            self._refuse(capability)
        return await getattr(self._adapter(self.side_of(capability)), action)(*args, **kwargs)


def _routed(action: str, capability: Capability) -> Callable[..., Any]:
    async def routed(self: CompositeAdapter, *args: Any, **kwargs: Any) -> Any:
        return await self._route(action, capability, *args, **kwargs)

    routed.__name__ = action
    routed.__qualname__ = f"CompositeAdapter.{action}"
    routed.__doc__ = f"``{action}`` of the source that owns ``{capability.value}``."
    return routed


# every action that needs a capability goes to the source that owns it
for _action, _capability in REQUIRED_BY_ACTION.items():
    setattr(CompositeAdapter, _action, _routed(_action, _capability))


async def open_room(
    interaction: str,
    commerce: str | None,
    settings: dict[str, Any],
    commerce_settings: dict[str, Any] | None = None,
) -> PlatformAdapter:
    """The room on the platform named ``interaction`` (a ``livedesk.platforms`` entry point),
    with the shop of the one named ``commerce`` when given: one adapter either way.

    Each factory's ``open`` gets its own settings. Raises ``KeyError`` for an unknown name,
    :class:`PlatformError` when either does not open (the interaction source is closed again
    when the shop fails) or when ``commerce`` offers nothing a shop offers.
    """
    from app.platform.fields import display_name
    from app.platform.registry import platform_factory

    chat_factory = platform_factory(interaction)
    shop_factory = platform_factory(commerce) if commerce else None
    if shop_factory is not None and not (
        frozenset(getattr(shop_factory, "capabilities", COMMERCE)) & COMMERCE
    ):
        raise PlatformError(
            "bad_settings",
            tr("{platform}不提供商品、订单或营销数据，不能作为商品与订单来源").format(
                platform=display_name(shop_factory)
            ),
        )
    chat = await chat_factory.open(settings)
    if shop_factory is None:
        return chat
    try:
        shop = await shop_factory.open(dict(commerce_settings or {}))
    except BaseException:
        await chat.close()
        raise
    names = (
        (chat.platform_name or display_name(chat_factory)),
        (shop.platform_name or display_name(shop_factory)),
    )
    return CompositeAdapter(chat, shop, names=names)
