"""OverlayController: the live room's state → the overlay state → every sink (OBS PNGs, the overlay
server). Re-derives on every room change and on every countdown second; hides what has ended.

Each sink has its own feed (a task that applies the newest state whenever it is free: latest
state wins), so a slow sink — OBS busy, a page that stopped reading — never holds up another:
the PNG overlays never wait on a web page, nor the pages on OBS.

The cards speak the audience's language: ``language()`` (by default the room's chat language,
app/live/chat_announce.py ``chat_language``) is read at every derive — on each room change and
each countdown second — so a change of the room or of the operator's 聊天播报语言 shows on
stream within a second, every shown card redrawn in it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from app.aio import spawn
from app.live.chat_announce import chat_language
from app.live.room import current_rain
from app.overlays.images import ImageCache
from app.overlays.layout import Kind
from app.overlays.render import OverlayRenderer
from app.overlays.state import (
    CouponCard,
    FlashSaleCard,
    LotteryCard,
    OverlayState,
    ProductCard,
    QuizCard,
    RedEnvelopeCard,
    WinnersCard,
)

if TYPE_CHECKING:
    from app.live.room import LiveRoom

log = logging.getLogger(__name__)

WINNERS_SHOWN_SECONDS = 60
#: a blind box reveals one winner's prize every this many seconds on stream
PRIZE_REVEAL_SECONDS = 3
#: a revealed quiz stays on stream this long
QUIZ_SHOWN_SECONDS = 60
_WATCHED = frozenset(
    {
        "explaining",
        "bag",
        "coupons",
        "flash_sales",
        "lotteries",
        "quizzes",
        "session",
        "red_envelopes",
    }
)


class OverlaySink(Protocol):
    """Shows overlay states. A sink that does not draw product images itself (a web page loads
    them on its own) says so with ``uses_images = False``: its feed then never waits on a fetch."""

    async def apply(self, state: OverlayState, changed: set[Kind]) -> None: ...


def _left(ts: float, now: float) -> int:
    return max(0, math.ceil(ts - now))


def derive(
    room: LiveRoom,
    now: float,
    images: ImageCache,
    drawn_seen: dict[str, float],
    language: str = "",
) -> OverlayState:
    """What should be on stream at ``now`` given the room's state, worded in ``language``."""
    flash_card: FlashSaleCard | None = None
    active_flash_by_product: dict[str, int] = {}
    flash_stock: dict[str, int] = {}
    for fs in sorted(room.flash_sales.values(), key=lambda f: f.starts_ts):
        if fs.status == "ended" or now >= fs.ends_ts:
            continue
        scheduled = fs.status == "scheduled" and now < fs.starts_ts
        product = room.product(fs.product_id)
        if not scheduled:
            active_flash_by_product[fs.product_id] = fs.price_cents
            flash_stock[fs.product_id] = fs.remaining
        flash_card = FlashSaleCard(
            flash_sale_id=fs.id,
            product_title=product.title if product else "",
            price_cents=fs.price_cents,
            original_price_cents=product.price_cents if product else None,
            remaining=fs.remaining,
            quantity=fs.quantity,
            seconds_left=_left(fs.starts_ts if scheduled else fs.ends_ts, now),
            scheduled=scheduled,
            currency=room.currency,
        )
    product_card: ProductCard | None = None
    if room.explaining is not None:
        p = room.product(room.explaining.product_id)
        if p is not None:
            product_card = ProductCard(
                product_id=p.id,
                title=p.title,
                price_cents=p.price_cents,
                original_price_cents=p.original_price_cents,
                flash_price_cents=active_flash_by_product.get(p.id),
                stock_left=flash_stock.get(p.id, p.stock),
                image_url=images.absolute(p.image_url),
                currency=room.currency,
            )
    coupon_card: CouponCard | None = None
    for c in sorted(room.coupons.values(), key=lambda c: c.created_ts):
        if c.status == "active" and now < c.ends_ts:
            coupon_card = CouponCard(
                coupon_id=c.id,
                name=c.name,
                amount_cents=c.amount_cents,
                percent_off=c.percent_off,
                threshold_cents=c.threshold_cents,
                remaining=c.remaining,
                quantity=c.quantity,
                currency=room.currency,
            )
    lottery_card: LotteryCard | None = None
    winners_card: WinnersCard | None = None
    for lot in sorted(room.lotteries.values(), key=lambda x: x.starts_ts):
        if lot.status == "open" and now < lot.ends_ts:
            lottery_card = LotteryCard(
                lottery_id=lot.id,
                prize=lot.prize,
                keyword=lot.keyword,
                seconds_left=_left(lot.ends_ts, now),
                entrants=lot.entrants,
                winners=lot.winners,
                commitment=lot.commitment,
                manual=lot.duration_seconds == 0,
            )
        elif lot.status == "drawn":
            seen = drawn_seen.setdefault(lot.id, now)
            names = tuple(lot.winner_nicknames or ())
            if lot.winner_prizes is None:
                if now - seen < WINNERS_SHOWN_SECONDS:
                    winners_card = WinnersCard(lottery_id=lot.id, prize=lot.prize, nicknames=names)
                continue
            # a blind box: one more winner and their prize every PRIZE_REVEAL_SECONDS
            shown = min(len(names), 1 + int((now - seen) // PRIZE_REVEAL_SECONDS))
            if now - seen < WINNERS_SHOWN_SECONDS + PRIZE_REVEAL_SECONDS * len(names):
                winners_card = WinnersCard(
                    lottery_id=lot.id,
                    prize=lot.prize,
                    nicknames=names[:shown],
                    prizes=tuple(lot.winner_prizes[:shown]),
                    total=len(names),
                )
    quiz_card = _quiz_card(room, now, drawn_seen)
    rain_card: RedEnvelopeCard | None = None
    rain = current_rain(room.red_envelopes.values())
    if rain is not None and now < rain.ends_ts:
        scheduled = rain.status == "scheduled" and now < rain.starts_ts
        best = rain.best
        rain_card = RedEnvelopeCard(
            red_envelope_id=rain.id,
            title=rain.title,
            total_cents=rain.total_cents,
            count=rain.count,
            grabbed=rain.grabbed,
            remaining_cents=rain.remaining_cents,
            seconds_left=_left(rain.starts_ts if scheduled else rain.ends_ts, now),
            scheduled=scheduled,
            best_nickname=best.nickname if best else "",
            best_cents=best.amount_cents if best else 0,
            currency=room.gift_currency,
        )
    return OverlayState(
        product_card,
        coupon_card,
        flash_card,
        lottery_card,
        winners_card,
        quiz_card,
        rain_card,
        language=language,
    )


def _quiz_card(room: LiveRoom, now: float, seen_at: dict[str, float]) -> QuizCard | None:
    """The newest quiz while it runs, and for QUIZ_SHOWN_SECONDS after its reveal."""
    if not room.quizzes:
        return None
    q = max(room.quizzes.values(), key=lambda x: x.starts_ts)
    if q.status == "revealed":
        seen = seen_at.setdefault(q.id, now)
        if now - seen >= QUIZ_SHOWN_SECONDS:
            return None
    revealed = q.status == "revealed"
    return QuizCard(
        quiz_id=q.id,
        question=q.question,
        options=tuple(q.options),
        tally=tuple(q.tally),
        answerers=q.answerers,
        seconds_left=_left(q.ends_ts, now) if q.status == "open" else 0,
        status=q.status,
        manual=q.duration_seconds == 0,
        correct=q.correct if revealed else None,
        correct_count=len(q.correct_ids or []) if revealed else 0,
    )


class _Feed:
    """Applies the controller's newest state to one sink, one apply at a time."""

    def __init__(self, sink: OverlaySink) -> None:
        self.sink = sink
        self.applied = OverlayState()
        self.dirty = asyncio.Event()
        self.idle = asyncio.Event()
        self.idle.set()

    def wake(self) -> None:
        self.idle.clear()
        self.dirty.set()


class OverlayController:
    def __init__(
        self,
        room: LiveRoom | None,
        renderer: OverlayRenderer,
        sinks: Sequence[OverlaySink],
        *,
        images: ImageCache | None = None,
        clock: Callable[[], float] = time.time,
        language: Callable[[], str] | None = None,
    ) -> None:
        """``language()``: the cards' language (module docstring); None: the room's chat
        language as the platform gives it (``chat_language(room)``)."""
        self.room = room
        self.language = language or (lambda: chat_language(room) if room is not None else "")
        self.renderer = renderer
        self.sinks = list(sinks)
        self.images = images or ImageCache()
        self.clock = clock
        self.state = OverlayState()
        self._feeds = [_Feed(sink) for sink in self.sinks]
        self._drawn_seen: dict[str, float] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        if self.room is not None:
            self._unsubscribe = self.room.subscribe(self._on_room)
            self.refresh()
        self._tasks = [
            *(
                spawn(self._pusher(feed), name=f"overlay-push:{i}")
                for i, feed in enumerate(self._feeds)
            ),
            spawn(self._ticker(), name="overlay-tick"),
        ]

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.images.close()

    def set_state(self, state: OverlayState) -> None:
        """Show ``state`` (used directly when no room drives the overlays)."""
        if state != self.state:
            self.state = state
            for feed in self._feeds:
                feed.wake()

    def refresh(self) -> None:
        if self.room is not None:
            self.set_state(
                derive(self.room, self.clock(), self.images, self._drawn_seen, self.language())
            )

    async def settled(self) -> None:
        """Wait until every sink shows the current state."""
        while not all(feed.idle.is_set() for feed in self._feeds):
            for feed in self._feeds:
                await feed.idle.wait()

    def _on_room(self, changes: frozenset[str]) -> None:
        if changes & _WATCHED:
            self.refresh()

    async def _ticker(self) -> None:
        while True:
            now = self.clock()
            await asyncio.sleep(math.ceil(now) - now + 0.005)  # just after each whole second
            self.refresh()

    async def _pusher(self, feed: _Feed) -> None:
        while True:
            await feed.dirty.wait()
            feed.dirty.clear()
            target = self.state
            if (
                getattr(feed.sink, "uses_images", True)
                and target.product is not None
                and target.product.image_url
            ):
                await self.images.ensure(target.product.image_url)
            changed = target.changed_kinds(feed.applied)
            if changed:
                try:
                    await feed.sink.apply(target, changed)
                except Exception:
                    log.exception("overlay sink %r failed", feed.sink)
                feed.applied = target
            if not feed.dirty.is_set():
                feed.idle.set()
