"""The live state of one room, built only from the platform's snapshot and events.

One way in, one way out: an operator's click calls an action here → the adapter → the platform
emits an event → :meth:`LiveRoom.ingest` changes state → listeners (UI models, overlays, the
recorder) hear about it. Nothing edits the state any other way, so two consoles on one room agree.

High-rate feeds (chat, orders) are bounded ring buffers; listeners get arrivals once per batch.
Operators' changes (events with an actor) are also described with their before → after values
for ``subscribe_activity`` (app/live/activity.py), only while someone listens.

On a platform that keeps the team's settings (``team_settings``) the room holds the team's
replay-score settings (:attr:`LiveRoom.team_review`): read after each snapshot, replaced by each
``team_review_changed`` of a newer version (a read and the stream may cross: never goes back), and
announced to state listeners as :data:`TEAM_REVIEW`. Saving them is an action like the others
(:meth:`LiveRoom.save_team_review`): the room changes when the platform's event comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, KeysView, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from app.aio import cancel_and_wait, spawn
from app.format import money
from app.i18n import tr
from app.listeners import Listeners
from app.live.activity import TeamChange
from app.live.activity import describe as describe_change
from app.live.comment_kinds import Kind, classify
from app.live.interning import Interner
from app.live.lottery_verify import Verification, verify
from app.names import tier_name
from app.platform import models as m
from app.platform.adapter import PlatformAdapter
from app.platform.capabilities import ALL, REQUIRED_BY_ACTION, Capability, unsupported
from app.platform.errors import OfflineError, PlatformError
from app.settings import ReviewSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

# What changed in a batch (the argument of state listeners).
SESSION = "session"
BAG = "bag"
EXPLAINING = "explaining"
COUPONS = "coupons"
FLASH_SALES = "flash_sales"
LOTTERIES = "lotteries"
QUIZZES = "quizzes"  # the console's own quizzes (app/live/quiz.py)
RED_ENVELOPES = "red_envelopes"
RESERVATIONS = "reservations"
#: the latest grabs of red-envelope rains the room keeps (the console's list and the stream card)
RECENT_GRABS = 20
PINNED = "pinned"
#: the team's shared replay-score settings (:attr:`LiveRoom.team_review`)
TEAM_REVIEW = "team_review"
METRICS = "metrics"
MODERATION = "moderation"
#: paid messages whose platform id the room remembers, for a later ``paid_message_deleted``
PAID_LINES_KEPT = 10_000
# Beside the aspects above: an operator's action (an event with an actor: this console's or a
# teammate's) changed state in the batch. Views that coalesce redraws of stock ticks and metrics
# show these at once: a teammate's reorder or price edit is something a person waits to see.
OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One line of the chat feed: a comment, a gift, a paid message or a membership (the last
    three have ``Kind.GIFT``, paid messages also ``Kind.PAID``, memberships ``Kind.MEMBER``), or
    a platform's room note (``Kind.NOTE``, no user).
    ``kind`` is computed once, at ingest."""

    id: str
    ts: float
    user_id: str
    nickname: str
    text: str
    kind: Kind
    seq: int


class RoomBatch(m.EventBatch):
    """The events of one ingested batch as listeners get them, with ``kinds``: the classification
    bits of every chat line made of them (seq → :class:`Kind` value), worked out once at ingest so
    the recorder does not classify each comment again."""

    __slots__ = ("kinds",)

    def __init__(
        self,
        events: Iterable[m.Event] = (),
        wire: list[bytes] | None = None,
        kinds: dict[int, int] | None = None,
    ) -> None:
        super().__init__(events, wire)
        self.kinds: dict[int, int] = kinds if kinds is not None else {}

    def part(self, start: int, stop: int | None = None) -> RoomBatch:
        wire = self.wire
        return RoomBatch(self[start:stop], None if wire is None else wire[start:stop], self.kinds)


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """An operator action attempted from this console (for the recorder and the timeline)."""

    ts: float
    name: str
    args: dict[str, Any]
    role: str
    ok: bool
    error: str | None = None
    duration_ms: float = 0.0


StateListener = Callable[[frozenset[str]], None]


@contextlib.asynccontextmanager
async def _closing(iterator: object) -> AsyncIterator[None]:
    """Like contextlib.aclosing, for any async iterator (adapters need not return generators)."""
    try:
        yield
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


class LiveRoom:
    """State of one connected room as one operator sees it."""

    def __init__(
        self,
        adapter: PlatformAdapter,
        *,
        chat_capacity: int = 20_000,
        order_capacity: int = 5_000,
    ) -> None:
        self.adapter = adapter
        self.room_id = adapter.room
        self.role = str(adapter.role)
        self.seq = 0
        self.session: m.Session | None = None
        self.bag_version = 0
        self.product_ids: list[str] = []
        self.products: dict[str, m.Product] = {}
        self.explaining: m.Explaining | None = None
        self.coupons: dict[str, m.Coupon] = {}
        self.flash_sales: dict[str, m.FlashSale] = {}
        self.lotteries: dict[str, m.Lottery] = {}
        self.red_envelopes: dict[str, m.RedEnvelopeRain] = {}
        #: the latest grabs (newest last), with their rain's id
        self.recent_grabs: deque[m.RedEnvelopeGrab] = deque(maxlen=RECENT_GRABS)
        self.reservations: dict[str, m.Reservation] = {}
        #: lottery id → users this console saw enter it (``lottery_entered``): a mute before the
        #: draw takes the user out (the platform's rule), and the shown count follows
        self.lottery_entrants: dict[str, set[str]] = {}
        #: lottery id → the commitment this console saw while the lottery was open (its
        #: ``lottery_started`` event or a snapshot before the draw); kept across snapshots and
        #: never replaced: a draw is verified against it, not against what comes with the draw
        self.lottery_commitments: dict[str, str] = {}
        #: the quizzes this console ran (app/live/quiz.py), by id: local events only
        self.quizzes: dict[str, m.Quiz] = {}
        self.pinned: m.Comment | None = None
        self.metrics = m.Metrics()
        #: the team's shared replay-score settings, on a platform with ``team_settings``: None
        #: until loaded, or while the team never saved any (version 0); else the values of
        #: :attr:`team_review_version`, read when the room loads and replaced by each
        #: ``team_review_changed`` (a listener hears :data:`TEAM_REVIEW`)
        self.team_review: ReviewSettings | None = None
        self.team_review_version = 0
        self.hidden_comment_ids: set[str] = set()
        #: paid message id (the platform's) → its chat line's id, the last PAID_LINES_KEPT
        self.paid_lines: dict[str, str] = {}
        #: chat lines of paid messages the platform took down (``paid_message_deleted``)
        self.deleted_line_ids: set[str] = set()
        #: the currency of the room's catalogue and its money (prices, orders, GMV, coupons,
        #: flash sales): the snapshot's (a Shopify shop's, else CNY)
        self.currency = m.DEFAULT_CURRENCY
        #: the currency of the viewers' money in this room (gifts, paid messages) and of the
        #: chat platform's red envelopes: the last one an event named (a room's chat is on one
        #: platform, which pays in one currency); it may differ from :attr:`currency`
        #: (Bilibili gifts in CNY in a room selling in USD)
        self.gift_currency = m.DEFAULT_CURRENCY
        self.muted_until: dict[str, float | None] = {}  # user id → end of mute (None: no time)
        #: user id → the mute as the platform described it (nickname, end or 本场, who, when):
        #: the 禁言列表 reads it; kept with :attr:`muted_until` (a user in one is in the other)
        self.mutes: dict[str, m.MutedUser] = {}
        self.chat: deque[ChatLine] = deque(maxlen=chat_capacity)
        self.strings = Interner()  # chat lines share their repeated strings (ids, names, 扣1)
        self.orders: deque[m.Order] = deque(maxlen=order_capacity)
        self._state = Listeners[[frozenset[str]]]("room state listener")
        self._chat = Listeners[[Sequence[ChatLine]]]("chat listener")
        self._orders = Listeners[[Sequence[m.Order]]]("orders listener")
        self._events = Listeners[[Sequence[m.Event]]]("events listener")
        self._actions = Listeners[[ActionRecord]]("actions listener")
        self._activity = Listeners[[Sequence[TeamChange]]]("activity listener")
        self._local = Listeners[[Sequence[m.Event]]]("local events listener")
        self._task: asyncio.Task[None] | None = None
        self._loaded = asyncio.Event()

    # --- subscriptions -----------------------------------------------------------------------
    def subscribe(self, listener: StateListener) -> Callable[[], None]:
        """``listener(changes)`` once per ingested batch that changed state (see module constants)."""
        return self._state.add(listener)

    def subscribe_chat(self, listener: Callable[[Sequence[ChatLine]], None]) -> Callable[[], None]:
        return self._chat.add(listener)

    def subscribe_orders(self, listener: Callable[[Sequence[m.Order]], None]) -> Callable[[], None]:
        return self._orders.add(listener)

    def subscribe_events(self, listener: Callable[[Sequence[m.Event]], None]) -> Callable[[], None]:
        """Every event, once per batch, in order (the session recorder listens here)."""
        return self._events.add(listener)

    def subscribe_local(self, listener: Callable[[Sequence[m.Event]], None]) -> Callable[[], None]:
        """The events this console made itself (:meth:`ingest_local`), once per call, in order:
        never part of the platform's log (the recorder keeps them apart)."""
        return self._local.add(listener)

    def subscribe_actions(self, listener: Callable[[ActionRecord], None]) -> Callable[[], None]:
        return self._actions.add(listener)

    def subscribe_activity(
        self, listener: Callable[[Sequence[TeamChange]], None]
    ) -> Callable[[], None]:
        """Operators' changes as seen on the stream (any console's: ``TeamChange.mine`` tells
        this one's), with before → after values; once per batch that has any."""
        return self._activity.add(listener)

    # --- reading -----------------------------------------------------------------------------
    def verify_lottery(self, lottery_id: str) -> Verification | None:
        """Check a lottery against the commitment this console saw at its start (None: unknown)."""
        lot = self.lotteries.get(lottery_id)
        if lot is None:
            return None
        return verify(lot, self.lottery_commitments.get(lottery_id))

    def product(self, product_id: str) -> m.Product | None:
        return self.products.get(product_id)

    @property
    def bag(self) -> list[m.Product]:
        return [self.products[pid] for pid in self.product_ids if pid in self.products]

    @property
    def explaining_product(self) -> m.Product | None:
        return self.products.get(self.explaining.product_id) if self.explaining else None

    @property
    def online(self) -> bool:
        return self.adapter.connection.status.online

    @property
    def muted_user_ids(self) -> KeysView[str]:
        """Users muted now, as far as the platform said (its ``user_unmuted`` takes them out:
        lifted, expired or a 本场 mute's session over; a timed mute's end is in
        :attr:`muted_until`)."""
        return self.muted_until.keys()

    def muted_now(self, now: float | None = None) -> list[m.MutedUser]:
        """The 禁言列表: users muted now, newest mute first (a timed mute past its end is left
        out even before the platform's ``user_unmuted`` arrives)."""
        t = time.time() if now is None else now
        out = []
        for uid, until in self.muted_until.items():
            if until is not None and until <= t:
                continue
            out.append(self.mutes.get(uid) or m.MutedUser(user_id=uid, until_ts=until))
        out.sort(key=lambda mu: mu.muted_ts or 0.0, reverse=True)
        return out

    def has_ordered(self, user_id: str) -> bool:
        """The user placed an order in the current session (as far as this console saw)."""
        since = self.session.started_ts if self.session is not None else 0.0
        return any(o.user_id == user_id and o.created_ts >= since for o in self.orders)

    @property
    def can_act(self) -> bool:
        return self.role != m.Role.REVIEWER

    def can(self, capability: Capability) -> bool:
        """The connected platform offers ``capability`` (a panel shows its controls). An adapter
        that declares nothing (a test's stand-in) offers the whole contract."""
        return capability in getattr(self.adapter, "capabilities", ALL)

    def why_not(self, capability: Capability) -> str | None:
        """None when the platform offers ``capability``; else why not, in the UI language (what a
        panel shows in place of controls that could not work)."""
        return None if self.can(capability) else self.adapter.unsupported_reason(capability)

    def moderation(self, line: ChatLine) -> str | None:
        """``"hidden"`` for a hidden comment, ``"muted"`` for a line its author was muted for
        (posted before the mute ended), else None. Changes come with :data:`MODERATION`."""
        if line.id in self.hidden_comment_ids:
            return "hidden"
        if line.id in self.deleted_line_ids:
            return "deleted"
        if line.user_id in self.muted_until:
            until = self.muted_until[line.user_id]
            if until is None or line.ts < until:
                return "muted"
        return None

    # --- running -----------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        """Load the snapshot and follow the event stream (in the background) until :meth:`stop`."""
        if self._task is None or self._task.done():
            self._task = spawn(self._run(), name=f"live-room:{self.room_id}")
        return self._task

    async def wait_loaded(self) -> None:
        """Returns once the first snapshot is applied."""
        await self._loaded.wait()

    @property
    def loaded(self) -> bool:
        """The first snapshot is applied."""
        return self._loaded.is_set()

    def reconnect_now(self) -> None:
        """The operator's 重连: reconnect at once (skipping the backoff wait), or follow the room
        again if the stream had stopped for good (a refused token, a stopped platform). The room
        resumes from its last seq either way: nothing is missed or shown twice."""
        if self._task is None or self._task.done():
            self.start()
        else:
            self.adapter.reconnect_now()

    async def stop(self) -> None:
        """Stop following the platform: the event task is cancelled and waited for, at most
        :data:`app.aio.STOP_DEADLINE_S` (a stream whose clean-up hangs does not hold the exit)."""
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait([task])

    async def _run(self) -> None:
        while True:
            try:
                snapshot = await self.adapter.snapshot()
            except PlatformError as exc:
                log.warning("snapshot failed (%s); retrying", exc.message)
                await asyncio.sleep(1.0)
                continue
            self.apply_snapshot(snapshot)
            await self.load_team_review()
            self._loaded.set()
            resync = False
            # closed here, not by the GC: the stream's clean-up (closing the socket) awaits
            batches = self.adapter.event_batches(self.seq)
            async with _closing(batches):
                async for batch in batches:
                    if any(e.type is m.EventType.RESYNC_REQUIRED for e in batch):
                        log.warning(
                            "platform asked for a resync at seq %s: reloading snapshot", self.seq
                        )
                        good = [e for e in batch if e.type is not m.EventType.RESYNC_REQUIRED]
                        if good:
                            self.ingest(good)
                        resync = True
                        break
                    self.ingest(batch)
            if not resync:
                return

    # --- state changes (the only way in) -------------------------------------------------------
    def apply_snapshot(self, snap: m.Snapshot) -> None:
        self.seq = snap.seq
        self.session = snap.session
        self._set_bag(snap.bag)
        self.explaining = snap.explaining
        self.coupons = {c.id: c for c in snap.coupons}
        self.flash_sales = {f.id: f for f in snap.flash_sales}
        self.red_envelopes = {r.id: r for r in snap.red_envelopes}
        self.reservations = {r.id: r for r in snap.reservations}
        # the console's own lotteries are no platform's: a snapshot neither has nor ends them
        own = {k: lot for k, lot in self.lotteries.items() if lot.origin == "console"}
        self.lotteries = {**own, **{lot.id: lot for lot in snap.lotteries}}
        # the platform's entries before the snapshot are not known here
        self.lottery_entrants = {k: v for k, v in self.lottery_entrants.items() if k in own}
        for lot in snap.lotteries:
            _note_commitment(self, lot)
        self.pinned = snap.pinned_comment
        # added to what this console saw (its older lines stay marked after a resync)
        for mu in snap.muted_users:
            self.muted_until[mu.user_id] = mu.until_ts
            self.mutes[mu.user_id] = mu
        self.metrics = snap.metrics
        self.currency = snap.currency
        self._state.emit(
            frozenset(
                {
                    SESSION,
                    BAG,
                    EXPLAINING,
                    COUPONS,
                    FLASH_SALES,
                    LOTTERIES,
                    PINNED,
                    MODERATION,
                    METRICS,
                }
            )
        )

    async def load_team_review(self) -> None:
        """Read the team's replay-score settings (a platform with ``team_settings``; after each
        snapshot). A failure is logged and leaves what the room held: the stream's
        ``team_review_changed`` still brings each later save."""
        if not self.can(Capability.TEAM_SETTINGS):
            return
        try:
            shared = await self.adapter.team_review()
        except PlatformError as exc:
            log.warning("could not read the team's review settings: %s", exc.message)
            return
        if self._set_team_review(shared.version, shared.review):
            self._state.emit(frozenset({TEAM_REVIEW}))

    def _set_team_review(self, version: int, review: dict[str, Any]) -> bool:
        """Hold the team's values of ``version`` if it is newer than the held one (a read and
        the stream may cross); False when nothing changed or the values are not valid."""
        if version <= self.team_review_version:
            return False
        values = None
        if version > 0:
            try:
                values = ReviewSettings.model_validate(review)
            except ValueError as exc:
                log.warning("the team's review settings v%s are not valid: %s", version, exc)
                return False
        self.team_review_version = version
        self.team_review = values
        return True

    async def save_team_review(
        self, review: ReviewSettings, version: int | None = None
    ) -> m.TeamReview:
        """Save ``review`` as the team's over ``version`` — the one the operator edited (default:
        the one this room holds) — host and assistant only; a teammate's save since is refused
        (409 ``stale_version``). The room changes when the platform's ``team_review_changed``
        comes back, as on every teammate's console."""
        v = self.team_review_version if version is None else version
        values = review.model_dump(mode="json")
        return await self._act(
            "set_team_review", self.adapter.set_team_review(v, values), version=v, **values
        )

    def _set_bag(self, bag: m.Bag) -> None:
        self.bag_version = bag.version
        self.product_ids = [p.id for p in bag.products]
        self.products = {p.id: p for p in bag.products}

    def ingest(self, batch: Sequence[m.Event]) -> None:
        """Apply a batch of events in order; notify listeners once for the whole batch."""
        wire_in = m.wire_of(batch)
        wire: list[bytes] | None = None if wire_in is None else []
        events = RoomBatch((), wire)
        out = BatchEffects(set(), [], [], self.metrics.model_dump())
        changes, chat, orders, metrics = out.changed, out.chat, out.orders, out.metrics
        handlers = _HANDLERS
        activity: list[TeamChange] = []
        want_activity = bool(self._activity)
        for i, ev in enumerate(batch):
            if ev.seq <= self.seq:
                continue  # already applied (e.g. covered by the snapshot)
            self.seq = ev.seq
            events.append(ev)
            if wire is not None:
                wire.append(wire_in[i])  # type: ignore[index]  # wire_in is set with wire
            handler = handlers.get(ev.type)
            if handler is not None:
                if want_activity and ev.actor is not None:
                    activity.extend(describe_change(self, ev))  # before the event applies
                handler(self, ev, out)
                if ev.actor is not None:
                    changes.add(OPERATOR)
        if not events:
            return
        if chat:
            events.kinds = {line.seq: line.kind._value_ for line in chat}
        if METRICS in changes:
            self.metrics = m.Metrics.model_construct(**metrics)
        if chat:
            self.chat.extend(chat)
        if orders:
            self.orders.extend(orders)
        self._events.emit(events)
        if chat:
            self._chat.emit(chat)
        if orders:
            self._orders.emit(orders)
        if changes:
            self._state.emit(frozenset(changes))
        if activity:
            self._activity.emit(activity)

    def ingest_local(self, events: Sequence[m.Event]) -> None:
        """Apply events this console made itself — its own lottery's (app/live/console_lottery.py)
        and quiz's (app/live/quiz.py) — as the platform's of the same type would apply, without touching :attr:`seq`: their
        ``seq`` is the platform seq they follow, not one of their own. Listeners of
        :meth:`subscribe_local` get them (not those of :meth:`subscribe_events`)."""
        out = BatchEffects(set(), [], [], self.metrics.model_dump())
        for ev in events:
            handler = _LOCAL_HANDLERS.get(ev.type)
            if handler is None:
                raise ValueError(f"not a local event type: {ev.type}")
            handler(self, ev, out)
        if not events:
            return
        self._local.emit(events)
        if out.changed:
            self._state.emit(frozenset(out.changed))

    # --- actions (each goes out to the platform; state changes when its event comes back) -------
    async def _act(self, name: str, coro: Coroutine[Any, Any, T], /, **args: Any) -> T:
        t0 = time.perf_counter()
        needed = REQUIRED_BY_ACTION.get(name)
        if needed is not None and not self.can(needed):
            coro.close()  # refused before it reaches the platform, with the reason
            err = unsupported(needed, self.adapter.unsupported_reason(needed))
            self._actions.emit(ActionRecord(time.time(), name, args, self.role, False, err.message))
            raise err
        if not self.can_act:
            coro.close()
            err = PlatformError("forbidden", tr("只读角色不能操作"), status=403)
            self._actions.emit(ActionRecord(time.time(), name, args, self.role, False, err.message))
            raise err
        if not self.online:
            coro.close()
            err = OfflineError()
            self._actions.emit(ActionRecord(time.time(), name, args, self.role, False, err.message))
            raise err
        try:
            result = await coro
        except PlatformError as exc:
            dt = (time.perf_counter() - t0) * 1000
            self._actions.emit(
                ActionRecord(time.time(), name, args, self.role, False, exc.message, dt)
            )
            raise
        dt = (time.perf_counter() - t0) * 1000
        self._actions.emit(ActionRecord(time.time(), name, args, self.role, True, None, dt))
        return result

    async def explain(self, product_id: str) -> None:
        await self._act("explain", self.adapter.explain(product_id), product_id=product_id)

    async def stop_explain(self, product_id: str) -> None:
        await self._act(
            "stop_explain", self.adapter.stop_explain(product_id), product_id=product_id
        )

    async def reorder(self, product_ids: Sequence[str], version: int | None = None) -> m.Bag:
        v = self.bag_version if version is None else version
        return await self._act(
            "reorder", self.adapter.reorder(v, list(product_ids)), product_ids=list(product_ids)
        )

    async def update_product(
        self,
        product_id: str,
        *,
        price_cents: int | None = None,
        stock: int | None = None,
        listed: bool | None = None,
    ) -> m.Product:
        return await self._act(
            "update_product",
            self.adapter.update_product(
                product_id, price_cents=price_cents, stock=stock, listed=listed
            ),
            product_id=product_id,
            price_cents=price_cents,
            stock=stock,
            listed=listed,
        )

    async def issue_coupon(self, spec: m.CouponSpec) -> m.Coupon:
        return await self._act("issue_coupon", self.adapter.issue_coupon(spec), **spec.model_dump())

    async def end_coupon(self, coupon_id: str) -> m.Coupon:
        return await self._act(
            "end_coupon", self.adapter.end_coupon(coupon_id), coupon_id=coupon_id
        )

    async def start_flash_sale(self, spec: m.FlashSaleSpec) -> m.FlashSale:
        return await self._act(
            "start_flash_sale", self.adapter.start_flash_sale(spec), **spec.model_dump()
        )

    async def start_red_envelope(self, spec: m.RedEnvelopeSpec) -> m.RedEnvelopeRain:
        return await self._act(
            "start_red_envelope", self.adapter.start_red_envelope(spec), **spec.model_dump()
        )

    async def end_red_envelope(self, rain_id: str) -> m.RedEnvelopeRain:
        return await self._act(
            "end_red_envelope", self.adapter.end_red_envelope(rain_id), rain_id=rain_id
        )

    async def reserve_stock(self, spec: m.ReservationSpec) -> m.Reservation:
        return await self._act(
            "reserve_stock", self.adapter.reserve_stock(spec), **spec.model_dump()
        )

    async def release_reservation(self, reservation_id: str) -> m.Reservation:
        return await self._act(
            "release_reservation",
            self.adapter.release_reservation(reservation_id),
            reservation_id=reservation_id,
        )

    def held_reservation(self, product_id: str, promotion: str) -> m.Reservation | None:
        """This product's held reservation for this kind of promotion that no promotion uses yet
        (the one a new flash sale or coupon push would draw from)."""
        for r in self.reservations.values():
            if (
                r.product_id == product_id
                and r.promotion == promotion
                and r.status == "held"
                and r.promotion_id is None
            ):
                return r
        return None

    def active_rain(self) -> m.RedEnvelopeRain | None:
        """The rain on now, else the next scheduled one, else None."""
        return current_rain(self.red_envelopes.values())

    async def start_lottery(self, spec: m.LotterySpec) -> m.Lottery:
        return await self._act(
            "start_lottery", self.adapter.start_lottery(spec), **spec.model_dump()
        )

    async def draw_lottery(self, lottery_id: str) -> m.Lottery:
        return await self._act(
            "draw_lottery", self.adapter.draw_lottery(lottery_id), lottery_id=lottery_id
        )

    async def send_comment(self, text: str) -> m.Comment:
        return await self._act("send_comment", self.adapter.send_comment(text), text=text)

    async def pin_comment(self, comment_id: str) -> None:
        await self._act("pin_comment", self.adapter.pin_comment(comment_id), comment_id=comment_id)

    async def hide_comment(self, comment_id: str) -> None:
        await self._act(
            "hide_comment", self.adapter.hide_comment(comment_id), comment_id=comment_id
        )

    async def mute_user(
        self,
        user_id: str,
        seconds: int | None = None,
        *,
        until_session_end: bool = False,
        nickname: str = "",
    ) -> None:
        """Mute for ``seconds``, or until the live session ends (本场), or (neither) for good."""
        await self._act(
            "mute_user",
            self.adapter.mute_user(
                user_id, seconds, until_session_end=until_session_end, nickname=nickname
            ),
            user_id=user_id,
            seconds=seconds,
            until_session_end=until_session_end,
        )

    async def unmute_user(self, user_id: str) -> None:
        """解除禁言 (the platform's ``user_unmuted`` takes the marks away)."""
        await self._act("unmute_user", self.adapter.unmute_user(user_id), user_id=user_id)

    async def start_session(self) -> m.Session:
        return await self._act("start_session", self.adapter.start_session())

    async def end_session(self) -> m.Session:
        if self.session is None:
            raise PlatformError("no_session", tr("当前没有直播场次"))
        sid = self.session.id
        return await self._act("end_session", self.adapter.end_session(sid), session_id=sid)


# --- event handlers: each applies one event to the room and notes its effects on the batch -----
@dataclass(slots=True)
class BatchEffects:
    """What the events of one :meth:`LiveRoom.ingest` batch changed, gathered by the handlers
    and announced once at the batch's end."""

    changed: set[str]  # the state names that changed (BAG, METRICS, …)
    chat: list[ChatLine]  # new chat lines, in order
    orders: list[m.Order]  # orders created, paid or refunded, in order
    metrics: dict[str, Any]  # the room's metrics (counts), updated in place


Handler = Callable[[LiveRoom, m.Event, BatchEffects], None]


def _comment(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    c: m.Comment = ev.data.comment
    s = room.strings
    out.chat.append(
        ChatLine(
            c.id,
            c.ts or ev.ts,
            s(c.user_id),
            s(c.nickname),
            s.short(c.text),
            classify(c),
            ev.seq,
        )
    )
    if c.role == "viewer":
        out.metrics["comments"] += 1
        out.changed.add(METRICS)


def _gift(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.GiftData = ev.data
    s = room.strings
    text = s(f"送出 {d.gift} ×{d.count}")
    out.chat.append(
        ChatLine(f"g{ev.seq}", ev.ts, s(d.user_id), s(d.nickname), text, Kind.GIFT, ev.seq)
    )
    out.metrics["gifts"] += 1  # the interaction rate's gifts (app/live/interaction.py)
    out.changed.add(METRICS)
    if d.value_cents:
        room.gift_currency = d.currency
        out.metrics["gift_value_cents"] += d.value_cents
        out.changed.add(METRICS)


def _paid_message(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.PaidMessageData = ev.data
    s = room.strings
    text = tr("醒目留言 {amount}：{text}").format(
        amount=money(d.amount_cents, d.currency), text=s.short(d.text)
    )
    kind = Kind.GIFT | Kind.PAID
    line_id = f"p{ev.seq}"
    out.chat.append(ChatLine(line_id, ev.ts, s(d.user_id), s(d.nickname), text, kind, ev.seq))
    if d.message_id:
        room.paid_lines[d.message_id] = line_id
        if len(room.paid_lines) > PAID_LINES_KEPT:
            del room.paid_lines[next(iter(room.paid_lines))]
    room.gift_currency = d.currency
    out.metrics["paid_messages"] += 1
    out.metrics["paid_message_cents"] += d.amount_cents
    out.changed.add(METRICS)


def _membership(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.MembershipData = ev.data
    s = room.strings
    text = membership_text(d)
    kind = Kind.GIFT | Kind.MEMBER
    out.chat.append(ChatLine(f"v{ev.seq}", ev.ts, s(d.user_id), s(d.nickname), text, kind, ev.seq))
    out.metrics["memberships"] += d.sold
    out.changed.add(METRICS)


def membership_text(d: m.MembershipData) -> str:
    """The chat line of a membership: 「开通 舰长 ×3 个月」, or for subs given to others
    「赠送了 5 个 Tier 1 订阅」 (and the amount when the platform says it)."""
    tier = tier_name(d.tier)
    if d.gifted:
        text = tr("赠送了 {n} 个 {tier} 订阅").format(n=d.gifted, tier=tier)
        if d.months > 1:
            text += tr("（每个 {months} 个月）").format(months=d.months)
    elif d.months == 1:  # English says "1 month", not "1 months"
        text = tr("开通 {tier} ×1 个月").format(tier=tier)
    else:
        text = tr("开通 {tier} ×{months} 个月").format(tier=tier, months=d.months)
    if d.amount_cents:
        text += f" ({money(d.amount_cents, d.currency)})"
    return text


def _paid_message_deleted(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    """The platform took paid messages down: their lines say so (struck through, 已被平台删除),
    so nobody reads one out on stream. The money stays counted: the platform did not say it
    was refunded."""
    d: m.PaidMessageDeletedData = ev.data
    for message_id in d.ids:
        line_id = room.paid_lines.get(message_id)
        if line_id is not None:
            room.deleted_line_ids.add(line_id)
            out.changed.add(MODERATION)


def _room_note(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.RoomNoteData = ev.data
    text = room.strings.short(d.text)
    out.chat.append(ChatLine(f"n{ev.seq}", ev.ts, "", "", text, Kind.NOTE, ev.seq))


def _like(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    out.metrics["likes"] = max(out.metrics["likes"], ev.data.total)
    out.changed.add(METRICS)


def _follow(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    out.metrics["new_followers"] += 1
    out.changed.add(METRICS)


def _viewers(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    out.metrics["online"] = ev.data.online
    out.metrics["uv"] = ev.data.uv
    out.changed.add(METRICS)


def _order(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    order: m.Order = ev.data.order
    out.orders.append(order)
    if ev.type is m.EventType.ORDER_CREATED:
        out.metrics["orders"] += 1
        out.metrics["gmv_cents"] += order.amount_cents
    elif ev.type is m.EventType.ORDER_PAID:
        out.metrics["paid_orders"] += 1
        out.metrics["paid_gmv_cents"] += order.amount_cents
    else:
        out.metrics["refunded_cents"] += order.amount_cents
    out.changed.add(METRICS)


def _product(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    p: m.Product = ev.data.product
    if p.id not in room.products:
        room.product_ids.append(p.id)
    room.products[p.id] = p
    out.changed.add(BAG)


def _reordered(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    room.bag_version = ev.data.version
    room.product_ids = [pid for pid in ev.data.product_ids if pid in room.products]
    out.changed.add(BAG)


def _explaining(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.ProductExplainingData = ev.data
    if d.explaining:
        room.explaining = m.Explaining(product_id=d.product_id, since_ts=ev.ts)
    elif room.explaining is not None and room.explaining.product_id == d.product_id:
        room.explaining = None
    out.changed.add(EXPLAINING)


def _coupon(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    coupon: m.Coupon = ev.data.coupon
    room.coupons[coupon.id] = coupon
    out.changed.add(COUPONS)


def _coupon_claimed(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.CouponClaimedData = ev.data
    coupon = room.coupons.get(d.coupon_id)
    if coupon is not None:
        room.coupons[d.coupon_id] = coupon.model_copy(update={"claimed": d.claimed})
        out.changed.add(COUPONS)


def _flash(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    fs: m.FlashSale = ev.data.flash_sale
    room.flash_sales[fs.id] = fs
    out.changed.add(FLASH_SALES)


def current_rain(rains: Iterable[m.RedEnvelopeRain]) -> m.RedEnvelopeRain | None:
    """Of ``rains``, the one on now, else the next scheduled one, else None."""
    live = [r for r in rains if r.status != "ended"]
    live.sort(key=lambda r: (r.status != "active", r.starts_ts))
    return live[0] if live else None


def _rain(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    rain: m.RedEnvelopeRain = ev.data.red_envelope
    room.red_envelopes[rain.id] = rain
    if ev.type is m.EventType.RED_ENVELOPE_GRABBED:
        room.recent_grabs.extend(
            g.model_copy(update={"red_envelope_id": rain.id}) for g in ev.data.grabs
        )
    out.changed.add(RED_ENVELOPES)


def _reservation(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    res: m.Reservation = ev.data.reservation
    room.reservations[res.id] = res
    out.changed.add(RESERVATIONS)


def _note_commitment(room: LiveRoom, lot: m.Lottery) -> None:
    if lot.status != "drawn":
        room.lottery_commitments.setdefault(lot.id, lot.commitment)


def _lottery(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    lot: m.Lottery = ev.data.lottery
    _note_commitment(room, lot)
    room.lotteries[lot.id] = lot
    if lot.status == "drawn":
        room.lottery_entrants.pop(lot.id, None)  # final: no mute changes it any more
    out.changed.add(LOTTERIES)


def _lottery_entered(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.LotteryEnteredData = ev.data
    lot = room.lotteries.get(d.lottery_id)
    if lot is not None:
        room.lotteries[d.lottery_id] = lot.model_copy(update={"entrants": d.entrants})
        room.lottery_entrants.setdefault(d.lottery_id, set()).add(d.user_id)
        out.changed.add(LOTTERIES)


def _quiz(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    quiz: m.Quiz = ev.data.quiz
    room.quizzes[quiz.id] = quiz
    out.changed.add(QUIZZES)


def _pinned(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    room.pinned = ev.data.comment
    out.changed.add(PINNED)


def _hidden(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    room.hidden_comment_ids.add(ev.data.comment_id)
    if room.pinned is not None and room.pinned.id == ev.data.comment_id:
        room.pinned = None
        out.changed.add(PINNED)
    out.changed.add(MODERATION)


def _muted(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.UserMutedData = ev.data
    until = None if d.seconds is None else (d.until_ts or ev.ts + d.seconds)
    room.muted_until[d.user_id] = until
    room.mutes[d.user_id] = m.MutedUser(
        user_id=d.user_id,
        nickname=d.nickname,
        until_ts=until,
        session_id=d.session_id,
        muted_ts=ev.ts,
        actor=d.actor,
    )
    out.changed.add(MODERATION)
    # the platform takes a muted user out of every lottery not yet drawn (docs/platform-api.md,
    # "Verifiable lottery") without an event of its own: the count shown follows here
    for lid, users in room.lottery_entrants.items():
        lot = room.lotteries.get(lid)
        if lot is None or lot.status == "drawn" or d.user_id not in users:
            continue
        users.discard(d.user_id)
        room.lotteries[lid] = lot.model_copy(update={"entrants": max(0, lot.entrants - 1)})
        out.changed.add(LOTTERIES)


def _unmuted(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    uid = ev.data.user_id
    room.muted_until.pop(uid, None)  # the user's lines lose their 已禁言 mark
    room.mutes.pop(uid, None)
    out.changed.add(MODERATION)


def _session(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    """A session starts or ends: what belongs to one session does not outlive it.

    At either edge nothing is on stage and nothing is pinned (the stage must not say 讲解中 after
    下播), and mutes that no longer hold are forgotten (permanent mutes and timed ones still running
    stay: the platform still enforces them). At a start the counters and the orders feed begin
    again, so the orders table and its summary describe the same session."""
    room.session = ev.data.session
    if room.explaining is not None:
        room.explaining = None
        out.changed.add(EXPLAINING)
    if room.pinned is not None:
        room.pinned = None
        out.changed.add(PINNED)
    kept = {u: t for u, t in room.muted_until.items() if t is None or t > ev.ts}
    if len(kept) != len(room.muted_until):
        room.muted_until = kept
        room.mutes = {u: mute for u, mute in room.mutes.items() if u in kept}
        out.changed.add(MODERATION)
    if ev.type is m.EventType.SESSION_STARTED:
        out.metrics.update(m.Metrics().model_dump())  # metrics are per session
        out.changed.add(METRICS)
        room.orders.clear()  # orders are per session too (listeners reset on SESSION)
        out.orders.clear()  # earlier orders of this batch belong to the session before
    out.changed.add(SESSION)


def _team_review(room: LiveRoom, ev: m.Event, out: BatchEffects) -> None:
    d: m.TeamReviewChangedData = ev.data
    if room._set_team_review(d.version, d.review):
        out.changed.add(TEAM_REVIEW)


_HANDLERS: dict[m.EventType, Handler] = {
    m.EventType.COMMENT: _comment,
    m.EventType.GIFT: _gift,
    m.EventType.PAID_MESSAGE: _paid_message,
    m.EventType.MEMBERSHIP: _membership,
    m.EventType.PAID_MESSAGE_DELETED: _paid_message_deleted,
    m.EventType.ROOM_NOTE: _room_note,
    m.EventType.LIKE: _like,
    m.EventType.FOLLOW: _follow,
    m.EventType.VIEWERS: _viewers,
    m.EventType.ORDER_CREATED: _order,
    m.EventType.ORDER_PAID: _order,
    m.EventType.ORDER_REFUNDED: _order,
    m.EventType.PRODUCT_UPDATED: _product,
    m.EventType.PRODUCTS_REORDERED: _reordered,
    m.EventType.PRODUCT_EXPLAINING: _explaining,
    m.EventType.COUPON_ISSUED: _coupon,
    m.EventType.COUPON_ENDED: _coupon,
    m.EventType.COUPON_CLAIMED: _coupon_claimed,
    m.EventType.FLASH_SALE_SCHEDULED: _flash,
    m.EventType.FLASH_SALE_STARTED: _flash,
    m.EventType.FLASH_SALE_UPDATED: _flash,
    m.EventType.FLASH_SALE_ENDED: _flash,
    m.EventType.STOCK_RESERVED: _reservation,
    m.EventType.RESERVATION_UPDATED: _reservation,
    m.EventType.STOCK_RELEASED: _reservation,
    m.EventType.RED_ENVELOPE_SCHEDULED: _rain,
    m.EventType.RED_ENVELOPE_STARTED: _rain,
    m.EventType.RED_ENVELOPE_GRABBED: _rain,
    m.EventType.RED_ENVELOPE_ENDED: _rain,
    m.EventType.LOTTERY_STARTED: _lottery,
    m.EventType.LOTTERY_DRAWN: _lottery,
    m.EventType.LOTTERY_ENTERED: _lottery_entered,
    m.EventType.COMMENT_PINNED: _pinned,
    m.EventType.COMMENT_HIDDEN: _hidden,
    m.EventType.USER_MUTED: _muted,
    m.EventType.USER_UNMUTED: _unmuted,
    m.EventType.SESSION_STARTED: _session,
    m.EventType.SESSION_ENDED: _session,
    m.EventType.TEAM_REVIEW_CHANGED: _team_review,
}

#: what a console may make itself (:meth:`LiveRoom.ingest_local`): its own lottery's and quiz's
#: events
_LOCAL_HANDLERS: dict[m.EventType, Handler] = {
    m.EventType.LOTTERY_STARTED: _lottery,
    m.EventType.LOTTERY_DRAWN: _lottery,
    m.EventType.LOTTERY_ENTERED: _lottery_entered,
    m.EventType.QUIZ_STARTED: _quiz,
    m.EventType.QUIZ_UPDATED: _quiz,
    m.EventType.QUIZ_REVEALED: _quiz,
}
