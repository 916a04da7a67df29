"""Live metrics over time: a 1 Hz history of the room's counters and the values derived from it.

:class:`MetricsHistory` is pure (samples in, figures out) so that rules and tests can feed it
synthetic histories. :class:`MetricsTracker` ties it to a :class:`~app.live.room.LiveRoom`:
it keeps the set of distinct buyers from order events (the room's counters do not carry it
between snapshots), and takes one sample per :meth:`MetricsTracker.tick` (the UI drives it at 1 Hz).
Money is integer cents; rates are per minute; ratios are floats in 0..1. The interaction rate
(:meth:`MetricsHistory.interaction_rate`) is :func:`app.live.interaction.interaction_rate` over
the samples of a window: interactions per online viewer per minute.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from app.live.interaction import interaction_rate
from app.live.room import METRICS, SESSION, LiveRoom
from app.platform import models as m
from app.platform.capabilities import Capability

HISTORY_SECONDS = 15 * 60  # keep 15 min at 1 Hz (sparklines show the last 10)
#: the live interaction rate is shown over a partial first minute once it spans this much
FIRST_SPAN_S = 5.0


@dataclass(frozen=True, slots=True)
class Sample:
    """The room's counters at one moment (cumulative counters are per session)."""

    ts: float
    online: int = 0
    uv: int = 0
    likes: int = 0
    comments: int = 0
    new_followers: int = 0
    orders: int = 0
    paid_orders: int = 0
    buyers: int = 0
    gmv_cents: int = 0
    paid_gmv_cents: int = 0
    # viewers' money besides orders (gifts, paid messages), in ``gift_currency``
    gift_value_cents: int = 0
    paid_messages: int = 0
    paid_message_cents: int = 0
    memberships: int = 0
    gift_currency: str = "CNY"  # of the gift value and paid messages (ISO 4217)
    currency: str = "CNY"  # of the orders, GMV and the values derived from them (the room's)
    gifts: int = 0  # gift events (a gift of ×N counts once)

    # --- derived ---------------------------------------------------------------------------------
    @property
    def conversion(self) -> float:
        """Buyers / cumulative viewers (0 when nobody has watched yet)."""
        return self.buyers / self.uv if self.uv else 0.0

    @property
    def interactions(self) -> int:
        """Comments + likes + gifts so far (the numerator of the interaction rate)."""
        return self.comments + self.likes + self.gifts

    @property
    def uv_value_cents(self) -> int:
        """GMV per cumulative viewer (UV 价值), in cents."""
        return round(self.gmv_cents / self.uv) if self.uv else 0

    @property
    def avg_order_cents(self) -> int:
        """Average order value (客单价), in cents."""
        return round(self.gmv_cents / self.orders) if self.orders else 0


def sample_of(
    metrics: m.Metrics,
    ts: float,
    buyers: int | None = None,
    currency: str = "CNY",
    gift_currency: str = "CNY",
) -> Sample:
    return Sample(
        ts=ts,
        online=metrics.online,
        uv=metrics.uv,
        likes=metrics.likes,
        comments=metrics.comments,
        new_followers=metrics.new_followers,
        orders=metrics.orders,
        paid_orders=metrics.paid_orders,
        buyers=metrics.buyers if buyers is None else buyers,
        gmv_cents=metrics.gmv_cents,
        paid_gmv_cents=metrics.paid_gmv_cents,
        gift_value_cents=metrics.gift_value_cents,
        paid_messages=metrics.paid_messages,
        paid_message_cents=metrics.paid_message_cents,
        memberships=metrics.memberships,
        currency=currency,
        gift_currency=gift_currency,
        gifts=metrics.gifts,
    )


class MetricsHistory:
    """A bounded, time-ordered list of samples with windowed queries."""

    def __init__(self, seconds: int = HISTORY_SECONDS) -> None:
        self.samples: deque[Sample] = deque(maxlen=seconds + 1)

    def add(self, sample: Sample) -> None:
        if self.samples and sample.ts < self.samples[-1].ts:
            return  # clocks only go forward here
        self.samples.append(sample)

    def clear(self) -> None:
        self.samples.clear()

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    @property
    def latest(self) -> Sample | None:
        return self.samples[-1] if self.samples else None

    def since(self, seconds: float) -> list[Sample]:
        """Samples no older than ``seconds`` before the latest one."""
        if not self.samples:
            return []
        cutoff = self.samples[-1].ts - seconds
        out: list[Sample] = []
        for s in reversed(self.samples):
            if s.ts < cutoff:
                break
            out.append(s)
        out.reverse()
        return out

    def at_or_before(self, ts: float) -> Sample | None:
        """The newest sample taken at or before ``ts`` (None if the history starts later)."""
        found: Sample | None = None
        for s in reversed(self.samples):
            if s.ts <= ts:
                found = s
                break
        return found

    def rate_per_min(self, field: Callable[[Sample], int], window: float = 60.0) -> float:
        """How fast a cumulative counter grew over the last ``window`` seconds, per minute.

        With less history than the window, the rate over what there is (0 with < 2 samples)."""
        latest = self.latest
        if latest is None:
            return 0.0
        base = self.at_or_before(latest.ts - window) or self.samples[0]
        span = latest.ts - base.ts
        if span <= 0:
            return 0.0
        return max(0, field(latest) - field(base)) * 60.0 / span

    def interaction_rate(self, window: float = 60.0, *, before: float = 0.0) -> float | None:
        """The interaction rate (app/live/interaction.py) over the ``window`` seconds that end
        ``before`` seconds before the latest sample: the growth of comments + likes + gifts
        between the samples at both ends, per mean online viewer (the samples between them),
        per minute. None when the history does not reach back to the window's start (a window
        not yet filled is not judged)."""
        latest = self.latest
        if latest is None:
            return None
        end = self.at_or_before(latest.ts - before)
        start = self.at_or_before(latest.ts - before - window)
        if end is None or start is None or end.ts <= start.ts:
            return None
        online = [s.online for s in self.samples if start.ts <= s.ts <= end.ts]
        grown = max(0, end.interactions - start.interactions)
        return interaction_rate(grown, sum(online) / len(online), (end.ts - start.ts) / 60.0)

    def shown_interaction_rate(self, window: float = 60.0) -> float:
        """The rate over the last ``window`` seconds — over the history there is while the
        first window fills (from :data:`FIRST_SPAN_S` on, as the comment rate does: a tile
        reading 0.00 while the chat flows would not tell the truth); 0 before that. The drop
        alert judges full windows only (:meth:`interaction_rate`)."""
        full = self.interaction_rate(window)
        if full is not None:
            return full
        if len(self.samples) < 2:
            return 0.0
        span = self.samples[-1].ts - self.samples[0].ts
        return (self.interaction_rate(span) or 0.0) if span >= FIRST_SPAN_S else 0.0

    def interaction_rates(
        self, seconds: float = 600.0, window: float = 60.0
    ) -> list[tuple[float, float]]:
        """(ts, interaction rate over the trailing ``window``) for each sample of the last
        ``seconds`` whose window the history covers (a sparkline; one pass, prefix sums)."""
        pts = list(self.samples)
        if not pts:
            return []
        cutoff = pts[-1].ts - seconds
        prefix = [0]
        for p in pts:
            prefix.append(prefix[-1] + p.online)
        out: list[tuple[float, float]] = []
        j = -1  # the newest sample at or before s.ts - window
        for i, s in enumerate(pts):
            while j + 1 < i and pts[j + 1].ts <= s.ts - window:
                j += 1
            if s.ts < cutoff or j < 0 or pts[j].ts >= s.ts:
                continue
            base = pts[j]
            mean_online = (prefix[i + 1] - prefix[j]) / (i + 1 - j)
            grown = max(0, s.interactions - base.interactions)
            out.append((s.ts, interaction_rate(grown, mean_online, (s.ts - base.ts) / 60.0)))
        return out

    def series(
        self, value: Callable[[Sample], float], seconds: float = 600.0
    ) -> list[tuple[float, float]]:
        """(ts, value) points over the last ``seconds`` for a sparkline."""
        return [(s.ts, float(value(s))) for s in self.since(seconds)]

    def rates(
        self, field: Callable[[Sample], int], seconds: float = 600.0, window: float = 60.0
    ) -> list[tuple[float, float]]:
        """(ts, per-minute rate of a cumulative counter over the trailing ``window``) for each
        sample of the last ``seconds`` (a sparkline of comments/min, orders/min, …)."""
        pts = list(self.samples)
        if not pts:
            return []
        cutoff = pts[-1].ts - seconds
        out: list[tuple[float, float]] = []
        j = 0
        for s in pts:
            while j + 1 < len(pts) and pts[j + 1].ts <= s.ts - window:
                j += 1
            if s.ts < cutoff:
                continue
            base = pts[j] if pts[j].ts <= s.ts else s
            span = s.ts - base.ts
            rate = max(0, field(s) - field(base)) * 60.0 / span if span > 0 else 0.0
            out.append((s.ts, rate))
        return out


class CarriedCount:
    """A count the console keeps itself (gift events) made steady across a platform snapshot:
    a snapshot from a platform that does not count it sets it back to 0 mid-session, and the
    interaction rate would see interactions vanish (a false drop). Fed the room's value each
    sample, it returns the session's total: what was counted before a fall back is carried."""

    def __init__(self) -> None:
        self.carried = 0
        self.last = 0

    def reset(self) -> None:
        self.carried = self.last = 0

    def __call__(self, value: int) -> int:
        if value < self.last:
            self.carried += self.last
        self.last = value
        return self.carried + value


def format_percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


class MetricsTracker:
    """Distinct buyers + 1 Hz history for one room. Call :meth:`tick` once a second."""

    def __init__(self, room: LiveRoom, *, clock: Callable[[], float] = time.time) -> None:
        self.room = room
        self.clock = clock
        self.history = MetricsHistory()
        self.buyer_ids: set[str] = set()
        self.gifts = CarriedCount()
        self._session_id = room.session.id if room.session else None
        self._note_orders(list(room.orders))
        self._unsubs = [
            room.subscribe_orders(self._note_orders),
            room.subscribe(self._changed),
        ]

    def close(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []

    # --- buyers ------------------------------------------------------------------------------
    def _note_orders(self, orders: Sequence[m.Order]) -> None:
        started = self.room.session.started_ts if self.room.session else 0.0
        for o in orders:
            if o.created_ts >= started:
                self.buyer_ids.add(o.user_id)

    def _changed(self, changes: frozenset[str]) -> None:
        if SESSION in changes or METRICS in changes:
            sid = self.room.session.id if self.room.session else None
            if sid != self._session_id:
                self._session_id = sid
                if sid is not None and self.room.session and self.room.session.status == "live":
                    # a new session: its counters start from zero, so does everything derived
                    self.buyer_ids.clear()
                    self.history.clear()
                    self.gifts.reset()

    async def backfill(self, max_pages: int = 50) -> None:
        """Learn the buyers of this session so far from the platform's orders route (nothing to
        learn on a platform without orders)."""
        if not self.room.can(Capability.ORDERS):
            return
        after = 0
        for _ in range(max_pages):
            page = await self.room.adapter.orders(after)
            if not page:
                return
            self._note_orders(page)
            after = max(o.seq for o in page)

    @property
    def buyers(self) -> int:
        # the platform's counter (from the snapshot) or our own count, whichever knows more
        return max(len(self.buyer_ids), self.room.metrics.buyers)

    # --- sampling ----------------------------------------------------------------------------
    def current(self) -> Sample:
        s = sample_of(
            self.room.metrics,
            self.clock(),
            self.buyers,
            self.room.currency,
            self.room.gift_currency,
        )
        gifts = self.gifts(s.gifts)
        return s if gifts == s.gifts else dataclasses.replace(s, gifts=gifts)

    def tick(self) -> Sample:
        s = self.current()
        self.history.add(s)
        return s

    def comments_per_min(self) -> float:
        return self.history.rate_per_min(lambda s: s.comments)

    def interaction_rate(self) -> float:
        """The 互动率 tile's figure: :meth:`MetricsHistory.shown_interaction_rate`."""
        return self.history.shown_interaction_rate()
