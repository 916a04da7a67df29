"""The sandbox's simulated audience: a crowd that behaves like a Chinese live-commerce room.

Viewers arrive and leave around a target average (it rises after a coupon, a lottery or a flash
sale and sinks slowly when nothing happens); they greet, ask about the explained product, say
「已拍」「扣1」, react, complain when it sells out, type an open lottery's keyword, grab coupons and
use them, like, follow, share, send gifts (now and then a paid message 醒目留言 or a
membership 舰长), grab red envelopes while a rain is on (viewers pour in when it starts, the chat
bursts with 「红包雨来了」「抢到了」「手慢了」, some follow to become eligible), and buy — the explained product far more than the rest, more
after a price cut or during a flash sale. Orders are paid most of the time after a short delay and
a few are refunded later.

The audience only talks to the room through :class:`~plugins.sandbox.audience_host.AudienceHost`.
:meth:`Audience.step` advances the simulation by ``dt`` seconds of simulated time and is fully
deterministic for a seed and a sequence of room states (one ``random.Random``); :meth:`Audience.run`
ticks it ~20 times a second with the real elapsed time until cancelled.

Cost: each event is a few random numbers, a list lookup and one host call. Room state is read once
per step, product-specific phrases are formatted once per explained product, and the kinds of the
step's events are drawn in one ``random.choices`` call.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
from collections import deque
from collections.abc import Callable, Sequence

from plugins.sandbox import audience_text as txt
from plugins.sandbox.audience_host import (
    AudienceHost,
    CouponView,
    GrabRefused,
    LotteryView,
    NotAllowed,
    ProductView,
    RainView,
    SimUser,
    SoldOut,
)

log = logging.getLogger(__name__)

TICK_SECONDS = 0.05  # run() steps ~20 times a second
MAX_STEP_SECONDS = 0.5  # after a stall, do not make up more than this at once
EVENTS_PER_SLICE = 500  # run() yields to the loop between slices of about this many events

MEAN_STAY_SECONDS = 150.0  # how long a viewer stays on average
FOLLOWER_SHARE = 0.15  # of newly seen viewers, how many already follow the room
RETURNING_SHARE = 0.35  # of arrivals, how many are viewers seen earlier (when there are some)
EXPLAINED_ORDER_SHARE = 0.85  # of orders while explaining, how many go to the explained product
PAID_SHARE = 0.88  # of orders, how many get paid
REFUND_SHARE = 0.04  # of paid orders, how many get refunded later

# Kinds of activity, in the order of the mix weights.
GREET, QUESTION, INTENT, REACTION, COMPLAINT, LOTTERY, COUPON_TALK, HYPE = range(8)
LIKE, GIFT, FOLLOW, CLAIM, ORDER = range(8, 13)
KINDS: tuple[int, ...] = tuple(range(13))
# Rare kinds, per viewer per second, drawn with a random stream of their own (``_extra_rng``) so
# that adding them left every seeded room's other activity exactly as it was.
PAID_MESSAGE_RATE = 0.0006  # 醒目留言: real money, rare
MEMBERSHIP_RATE = 0.0003  # 舰长 and up: rarer still
SHARE_RATE = 0.002
# Red-envelope rain, with a random stream of its own (``_rain_rng``): a room without rains is
# exactly as it was. Per online viewer per second while a rain is on:
GRAB_RATE = 0.4  # tries to grab (most viewers try within a few seconds)
RAIN_TALK_RATE = 0.03  # 「红包雨来了」 at the start, fading with the rain's heat
RAIN_ENTER_SHARE = 0.2  # of the usual crowd, how many more pour in when a rain starts

_PAY, _REFUND = 0, 1

_LIKE_COUNTS: tuple[int, ...] = (1, 1, 1, 1, 2, 2, 3, 3, 5, 5, 8, 10, 12, 15, 20, 30)
_SMALL_GIFT_COUNTS: tuple[int, ...] = (1, 1, 1, 1, 1, 1, 2, 3, 5, 10)
_MEMBERSHIP_MONTHS: tuple[int, ...] = (1,) * 8 + (3, 12)
_QUANTITIES: tuple[int, ...] = (1,) * 85 + (2,) * 12 + (3,) * 3


def _weighted_table(weights: Sequence[float]) -> tuple[int, ...]:
    """Indexes repeated by weight, so a weighted pick is one index."""
    table: list[int] = []
    for i, weight in enumerate(weights):
        table.extend([i] * max(1, round(weight * 20)))
    return tuple(table)


_GIFT_TABLE = _weighted_table([w for _, _, w in txt.GIFTS])
_PAID_TABLE = _weighted_table([w for _, w in txt.PAID_MESSAGE_PRICES])
_TIER_TABLE = _weighted_table([w for _, _, w in txt.MEMBERSHIP_TIERS])


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count with a small mean (rare events in one step)."""
    limit = math.exp(-mean)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _count(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count, normal-approximated when the mean is large."""
    if mean < 30:
        return _poisson(rng, mean)
    return max(0, int(rng.gauss(mean, math.sqrt(mean)) + 0.5))


def _decay(half_life: float, dt: float) -> float:
    return 0.5 ** (dt / half_life)


class Audience:
    """A simulated crowd in one room. See the module docstring."""

    def __init__(
        self, host: AudienceHost, *, seed: int | None, viewers: int, rate: float | None
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (events per second) or None")
        self._host = host
        self._rng = random.Random(seed)
        self._rand = self._rng.random
        self._viewers = max(0, int(viewers))
        self._undropped: int | None = None  # the room's size before a drill's drop
        self._rate = rate
        self._t = 0.0  # simulated seconds since the first step
        self._carry = 0.0  # fractional events owed by the rate budget
        self._started = False

        # population
        self._next_uid = 1000
        self._online: list[SimUser] = []
        self._pos: dict[str, int] = {}  # user id -> index in _online
        self._offline: list[SimUser] = []  # seen earlier, may come back
        self._offline_cap = max(1000, 5 * self._viewers)
        self._recent: deque[SimUser] = deque(maxlen=64)  # latest arrivals (they greet)
        self._enter_rate = 0.0  # arrivals per second, smoothed
        self._drift = 1.0  # slow random drift of the target online count
        self._boost = 0.0  # extra interest after a coupon / lottery / flash sale
        self._last_stimulus = 0.0

        # what the room looks like (refreshed every step)
        self._products: dict[str, ProductView] = {}
        self._last_price: dict[str, int] = {}
        self._ref_price: dict[str, int] = {}  # the highest price seen: what "cheap" is against
        self._last_flash: dict[str, str | None] = {}
        self._cut_heat: dict[str, float] = {}
        self._flash_heat: dict[str, float] = {}
        self._sold_out: dict[str, tuple[int, str | None]] = {}  # pid -> (stock, flash id) then
        self._soldout_heat = 0.0
        self._explaining: str | None = None
        self._lines_key: tuple[str, str, tuple[str, ...]] | None = None
        self._questions: tuple[str, ...] = txt.GENERIC_QUESTIONS
        self._intents: tuple[str, ...] = txt.INTENTS
        self._order_pids: list[str] = []
        self._order_cw: list[float] = []

        self._coupon_first_seen: dict[str, float] = {}
        self._coupon_info: dict[str, CouponView] = {}
        self._coupon_left: dict[str, int] = {}
        self._coupon_claims: dict[str, int] = {}
        self._claimable: list[str] = []
        self._claimed: set[tuple[str, str]] = set()
        self._wallet: dict[str, list[str]] = {}  # user id -> claimed, unused coupon ids
        self._holders: list[str] = []  # user ids that (may) hold a coupon
        self._coupon_heat = 0.0

        self._lotteries: list[LotteryView] = []
        self._lotteries_seen: set[str] = set()

        self._rains: list[RainView] = []
        self._rains_seen: set[str] = set()
        self._rain_heat = 0.0
        self._rain_rng = random.Random(None if seed is None else seed ^ 0x4B1D)

        # follow-ups (payments, refunds): heap of (due, n, what, order id)
        self._pending: list[tuple[float, int, int, str]] = []
        self._pending_n = 0

        self._cw: list[float] = [0.0] * len(KINDS)
        self._natural_rate = 0.0  # activity events per second the room would make by itself
        self._handlers: tuple[Callable[[], int], ...] = (
            self._greet,
            self._question,
            self._intent,
            self._reaction,
            self._complaint,
            self._lottery_entry,
            self._coupon_talk,
            self._hype,
            self._like,
            self._gift,
            self._follow,
            self._claim,
            self._order,
        )
        self._extra_rng = random.Random(None if seed is None else seed ^ 0x5EED)

    # --- public --------------------------------------------------------------------------------

    @property
    def online(self) -> int:
        """How many simulated viewers are in the room now."""
        return len(self._online)

    @property
    def seen(self) -> int:
        """How many distinct simulated viewers have entered so far."""
        return self._next_uid - 1000

    def expected_rate(self) -> float:
        """About how many events per second the audience makes now (for slicing work)."""
        if self._rate is not None:
            return self._rate
        return self._natural_rate + self._enter_rate

    async def run(self) -> None:
        """Step with the real elapsed time ~20 times a second until cancelled."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = loop.time()
            dt = min(now - last, MAX_STEP_SECONDS)
            last = now
            slices = 1 + int(self.expected_rate() * dt // EVENTS_PER_SLICE)
            slices = min(slices, 50)
            for i in range(slices):
                try:
                    self.step(dt / slices)
                except Exception:  # a host bug must not silence the room for good
                    log.exception("simulated audience step failed")
                if i + 1 < slices:
                    await asyncio.sleep(0)

    def step(self, dt: float) -> int:
        """Advance by ``dt`` simulated seconds; returns how many events were generated."""
        if dt <= 0:
            return 0
        host = self._host
        if not host.session_live():
            return 0
        self._t += dt
        self._observe(dt)
        n = self._move_population(dt)
        n += self._follow_ups()
        self._mix(dt)
        if self._rate is None:
            k = self._poisson(self._natural_rate * dt)
        else:
            budget = self._rate * dt + self._carry - n
            k = int(budget) if budget > 0 else 0
            self._carry = max(budget - k, -self._rate)
        n += self._extras(dt)
        if self._rains or self._rain_heat > 0.05:  # the chat about a rain outlasts a quick one
            n += self._rain(dt)
        if k <= 0 or not self._online or self._cw[-1] <= 0:
            return n
        handlers = self._handlers
        for kind in self._rng.choices(KINDS, cum_weights=self._cw, k=k):
            n += handlers[kind]()
        return n

    @property
    def rate(self) -> float | None:
        """Audience events per second asked (None: the room's natural activity)."""
        return self._rate

    @rate.setter
    def rate(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (events per second)")
        self._rate = rate
        self._carry = 0.0

    # --- reading the room ----------------------------------------------------------------------

    def _stimulus(self, amount: float) -> None:
        self._boost = min(0.6, self._boost + amount)
        self._last_stimulus = self._t

    def _observe(self, dt: float) -> None:
        host = self._host
        t = self._t
        fast = _decay(20.0, dt)
        self._soldout_heat *= _decay(25.0, dt)
        self._coupon_heat *= fast
        self._boost *= _decay(90.0, dt)
        for heats in (self._cut_heat, self._flash_heat):
            for pid in [p for p, h in heats.items() if h < 0.02]:
                del heats[pid]
            for pid in heats:
                heats[pid] *= fast

        # products: price cuts, flash sales, sell-outs and restocks
        products = {p.id: p for p in host.listed_products()}
        explaining = host.explaining_product_id()
        if explaining not in products:
            explaining = None
        for pid, p in products.items():
            flash = p.flash_sale_id
            last_price = self._last_price.get(pid)
            if flash is not None:
                if self._last_flash.get(pid) != flash:
                    self._flash_heat[pid] = 1.0
                    self._stimulus(0.3)
                else:
                    self._flash_heat[pid] = max(self._flash_heat.get(pid, 0.0), 0.7)
            elif last_price is not None and p.price_cents < last_price * 0.97:
                self._cut_heat[pid] = 1.0
                self._stimulus(0.1)
            self._last_price[pid] = p.price_cents
            if p.price_cents > self._ref_price.get(pid, 0):
                self._ref_price[pid] = p.price_cents
            self._last_flash[pid] = flash
            mark = self._sold_out.get(pid)
            if p.stock <= 0:
                if mark is None and (pid == explaining or pid == self._explaining):
                    self._soldout_heat = 1.0
                self._sold_out[pid] = (0, flash)
            elif mark is not None and (p.stock > mark[0] or flash != mark[1]):
                del self._sold_out[pid]  # restocked, or a new / ended flash sale
        self._products = products
        if explaining != self._explaining:
            self._explaining = explaining
            if explaining is not None:
                self._stimulus(0.05)
        self._refresh_lines()
        self._refresh_order_weights()

        # coupons
        claimable: list[str] = []
        for c in host.active_coupons():
            cid = c.id
            if cid not in self._coupon_first_seen:
                self._coupon_first_seen[cid] = t
                self._coupon_heat = 1.0
                self._stimulus(0.25)
            self._coupon_info[cid] = c
            self._coupon_left[cid] = c.remaining
            if c.remaining > 0:
                claimable.append(cid)
        self._claimable = claimable

        # lotteries
        lotteries = host.open_lotteries()
        for lot in lotteries:
            if lot.id not in self._lotteries_seen:
                self._lotteries_seen.add(lot.id)
                self._stimulus(0.3)
        self._lotteries = lotteries

        # red-envelope rains: a new one draws a crowd
        rains = host.active_rains()
        self._rain_heat *= _decay(15.0, dt)
        for rain in rains:
            if rain.id not in self._rains_seen:
                self._rains_seen.add(rain.id)
                self._stimulus(0.4)
                self._rain_heat = 1.0
                for _ in range(round(self._viewers * RAIN_ENTER_SHARE)):
                    self._enter()
        self._rains = rains

    def _refresh_lines(self) -> None:
        pid = self._explaining
        if pid is None:
            self._lines_key = None
            self._questions = txt.GENERIC_QUESTIONS
            self._intents = txt.INTENTS
            return
        p = self._products[pid]
        key = (pid, p.title, p.sku_names)
        if key != self._lines_key:
            self._lines_key = key
            self._questions, self._intents = txt.product_lines(p.title, p.sku_names)

    def _refresh_order_weights(self) -> None:
        pids: list[str] = []
        weights: list[float] = []
        explaining = self._explaining
        others = sum(1 for pid in self._products if pid != explaining and pid not in self._sold_out)
        for pid in self._products:
            if pid in self._sold_out:
                continue
            base = 1.0
            if pid == explaining:
                base = max(5.0, EXPLAINED_ORDER_SHARE / (1 - EXPLAINED_ORDER_SHARE) * others)
            # cheaper than it was sells more for as long as it lasts, plus a burst right after
            cheap = min(4.0, (self._ref_price[pid] / max(1, self._products[pid].price_cents)) ** 2)
            heat = 4.0 * self._flash_heat.get(pid, 0.0) + 2.0 * self._cut_heat.get(pid, 0.0)
            mult = cheap + heat
            pids.append(pid)
            weights.append(base * mult)
        cw: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            cw.append(total)
        self._order_pids = pids
        self._order_cw = cw

    def _mix(self, dt: float) -> None:
        """Per-second rates of each kind of activity, as cumulative weights."""
        n = len(self._online)
        explaining = self._explaining is not None
        flash = max(self._flash_heat.values(), default=0.0)
        cut = max(self._cut_heat.values(), default=0.0)
        boost = self._boost
        followers_lottery = any(lot.eligibility == "followers" for lot in self._lotteries)
        claim = 0.0
        for cid in self._claimable:
            fresh = 0.5 ** ((self._t - self._coupon_first_seen[cid]) / 30.0) + 0.05
            unclaimed = max(0.05, 1.0 - self._coupon_claims.get(cid, 0) / max(1, n))
            claim += 0.05 * fresh * unclaimed
        complaint = 0.06 * self._soldout_heat
        if self._explaining in self._sold_out:
            complaint += 0.02
        order = 0.0
        if self._order_pids:
            order = (0.004 if explaining else 0.0015) * (
                1.0 + 2.5 * flash + 1.5 * cut + 0.5 * self._coupon_heat
            )
        rates = (
            0.25 * self._enter_rate / max(1, n),  # GREET (per viewer)
            0.03 if explaining else 0.01,  # QUESTION
            (0.015 if explaining else 0.003) * (1.0 + flash + cut),  # INTENT
            0.03,  # REACTION
            complaint,  # COMPLAINT
            0.08 if self._lotteries else 0.0,  # LOTTERY
            0.03 * self._coupon_heat,  # COUPON_TALK
            0.03 * max(flash, cut),  # HYPE
            0.05 * (1.0 + 0.5 * boost),  # LIKE
            0.004 * (1.0 + boost),  # GIFT
            0.003 * (1.0 + boost + (4.0 if followers_lottery else 0.0)),  # FOLLOW
            claim,  # CLAIM
            order,  # ORDER
        )
        total = 0.0
        cw = self._cw
        for i, r in enumerate(rates):
            total += r
            cw[i] = total
        self._natural_rate = total * n

    def _poisson(self, mean: float) -> int:
        """A Poisson-distributed count with this mean (normal approximation when large)."""
        if mean <= 0:
            return 0
        if mean < 30:
            limit = math.exp(-mean)
            k = 0
            p = self._rand()
            while p > limit:
                k += 1
                p *= self._rand()
            return k
        return max(0, int(self._rng.gauss(mean, math.sqrt(mean)) + 0.5))

    # --- population ----------------------------------------------------------------------------

    def drop(self, share: float) -> int:
        """A drill's sudden viewer drop (app/drill): ``share`` of the viewers online leave at once
        and the room's size shrinks by as much until :meth:`undrop` (0 restores it). Returns how
        many left."""
        share = min(1.0, max(0.0, share))
        if self._undropped is None:
            self._undropped = self._viewers
        self._viewers = round(self._undropped * (1.0 - share))
        n = round(len(self._online) * share)
        for _ in range(min(n, len(self._online))):
            self._leave()
        return n

    def undrop(self) -> None:
        """The room's size as before :meth:`drop` (viewers come back at the room's own pace)."""
        if self._undropped is not None:
            self._viewers, self._undropped = self._undropped, None

    def _target_online(self, dt: float) -> float:
        rng = self._rng
        # slow mean-reverting drift (about ±10 %)
        self._drift += (1.0 - self._drift) * dt / 60.0 + 0.015 * math.sqrt(dt) * rng.gauss(0, 1)
        self._drift = min(1.4, max(0.6, self._drift))
        idle = self._t - self._last_stimulus - 120.0
        sag = 0.25 * min(1.0, max(0.0, idle / 300.0))  # nothing happening: viewers drift away
        return self._viewers * self._drift * (1.0 + self._boost) * (1.0 - sag)

    def _move_population(self, dt: float) -> int:
        target = self._target_online(dt)
        n = len(self._online)
        if not self._started:
            self._started = True
            burst = round(target * 0.5)  # the room fills fast when the live starts
            for _ in range(burst):
                self._enter()
            self._enter_rate = burst / max(dt, 1.0)
            return burst
        enter_rate = target / MEAN_STAY_SECONDS + max(0.0, target - n) * 0.08
        leave_rate = n / MEAN_STAY_SECONDS + max(0.0, n - target) * 0.03
        leaves = min(n, self._poisson(leave_rate * dt))
        for _ in range(leaves):
            self._leave()
        enters = self._poisson(enter_rate * dt)
        for _ in range(enters):
            self._enter()
        a = min(1.0, dt / 5.0)
        self._enter_rate += (enters / dt - self._enter_rate) * a
        return enters

    def _enter(self) -> None:
        offline = self._offline
        if offline and self._rand() < RETURNING_SHARE:
            i = int(self._rand() * len(offline))
            user = offline[i]
            offline[i] = offline[-1]
            offline.pop()
        else:
            user = self._new_user()
        self._pos[user.id] = len(self._online)
        self._online.append(user)
        self._recent.append(user)
        self._host.viewer_enter(user)

    def _leave(self) -> None:
        online = self._online
        i = int(self._rand() * len(online))
        user = online[i]
        last = online.pop()
        if last is not user:
            online[i] = last
            self._pos[last.id] = i
        del self._pos[user.id]
        offline = self._offline
        if len(offline) >= self._offline_cap:  # bounded memory in long load tests: forget one
            j = int(self._rand() * len(offline))
            offline[j] = user
        else:
            offline.append(user)
        self._host.viewer_leave(user.id)

    def _new_user(self) -> SimUser:
        self._next_uid += 1
        rand = self._rand
        follower = rand() < FOLLOWER_SHARE
        level = 1 + int(19 * rand() ** 3) if follower else 0
        return SimUser(f"u{self._next_uid}", self._nickname(), follower, level)

    def _nickname(self) -> str:
        rng = self._rng
        style = rng.random()
        if style < 0.3:
            return rng.choice(txt.NICK_CUTE_HEADS) + rng.choice(txt.NICK_CUTE_TAILS)
        if style < 0.45:
            sep = "_" if rng.random() < 0.6 else ""
            return "阿" + rng.choice(txt.NICK_A_NAMES) + sep + rng.choice(txt.NICK_NUMBERS)
        if style < 0.65:
            return rng.choice(txt.NICK_POETIC_HEADS) + rng.choice(txt.NICK_POETIC_TAILS)
        if style < 0.8:
            return rng.choice(txt.NICK_PLACES) + rng.choice(txt.NICK_PEOPLE)
        return f"用户{rng.randrange(1_000_000_000, 10_000_000_000)}"

    # --- payments and refunds ------------------------------------------------------------------

    def _later(self, delay: float, what: int, order_id: str) -> None:
        self._pending_n += 1
        heapq.heappush(self._pending, (self._t + delay, self._pending_n, what, order_id))

    def _follow_ups(self) -> int:
        pending = self._pending
        n = 0
        while pending and pending[0][0] <= self._t:
            _, _, what, order_id = heapq.heappop(pending)
            try:
                if what == _PAY:
                    self._host.pay_order(order_id)
                    if self._rand() < REFUND_SHARE:
                        self._later(20.0 + 130.0 * self._rand(), _REFUND, order_id)
                else:
                    reason = txt.REFUND_REASONS[int(self._rand() * len(txt.REFUND_REASONS))]
                    self._host.refund_order(order_id, reason)
            except (NotAllowed, SoldOut, KeyError, ValueError) as e:
                log.debug("follow-up on order %s dropped: %r", order_id, e)
                continue
            n += 1
        return n

    # --- activity (each returns how many events it made) ---------------------------------------

    def _user(self) -> SimUser:
        online = self._online
        return online[int(self._rand() * len(online))]

    def _say(self, user: SimUser, pool: tuple[str, ...]) -> int:
        if self._host.is_muted(user.id):
            self._host.like(user, 1)  # muted viewers can still tap the screen
        else:
            self._host.comment(user, pool[int(self._rand() * len(pool))])
        return 1

    def _greet(self) -> int:
        recent = self._recent
        user = recent[int(self._rand() * len(recent))] if recent else self._user()
        if user.id not in self._pos:
            user = self._user()
        return self._say(user, txt.GREETINGS)

    def _question(self) -> int:
        return self._say(self._user(), self._questions)

    def _intent(self) -> int:
        return self._say(self._user(), self._intents)

    def _reaction(self) -> int:
        return self._say(self._user(), txt.REACTIONS)

    def _complaint(self) -> int:
        return self._say(self._user(), txt.COMPLAINTS)

    def _coupon_talk(self) -> int:
        return self._say(self._user(), txt.COUPON_TALK)

    def _hype(self) -> int:
        return self._say(self._user(), txt.HYPE)

    def _lottery_entry(self) -> int:
        lotteries = self._lotteries
        if not lotteries:
            return self._reaction()
        lot = lotteries[int(self._rand() * len(lotteries))] if len(lotteries) > 1 else lotteries[0]
        user = self._user()
        n = 0
        if lot.eligibility == "followers" and not user.is_follower and self._rand() < 0.3:
            n = self._follow_user(user)  # 「关注主播才能参与」: some follow first
        host = self._host
        if host.is_muted(user.id):
            host.like(user, 1)
        else:
            host.comment(user, lot.keyword)
        return n + 1

    def _like(self) -> int:
        self._host.like(self._user(), _LIKE_COUNTS[int(self._rand() * len(_LIKE_COUNTS))])
        return 1

    def _gift(self) -> int:
        rand = self._rand
        name, value, _ = txt.GIFTS[_GIFT_TABLE[int(rand() * len(_GIFT_TABLE))]]
        count = _SMALL_GIFT_COUNTS[int(rand() * len(_SMALL_GIFT_COUNTS))] if value <= 100 else 1
        self._host.gift(self._user(), name, count, value * count)
        return 1

    def _extras(self, dt: float) -> int:
        """The rare kinds (paid messages, memberships, shares), outside the rate budget: a few
        per thousand events, as many more as an asked ``rate`` makes the room busier than its
        natural activity. Uses only ``_extra_rng``."""
        online = self._online
        per_viewer = self._cw[-1]
        if not online or per_viewer <= 0:
            return 0
        rng = self._extra_rng
        rand = rng.random
        host = self._host
        activity = self._natural_rate if self._rate is None else self._rate
        viewers = activity / per_viewer * dt * (1.0 + self._boost)  # viewer-seconds
        n = 0
        for _ in range(_poisson(rng, PAID_MESSAGE_RATE * viewers)):
            price, _ = txt.PAID_MESSAGE_PRICES[_PAID_TABLE[int(rand() * len(_PAID_TABLE))]]
            text = txt.REACTIONS[int(rand() * len(txt.REACTIONS))]
            host.paid_message(online[int(rand() * len(online))], price, text)
            n += 1
        for _ in range(_poisson(rng, MEMBERSHIP_RATE * viewers)):
            tier, monthly, _ = txt.MEMBERSHIP_TIERS[_TIER_TABLE[int(rand() * len(_TIER_TABLE))]]
            months = _MEMBERSHIP_MONTHS[int(rand() * len(_MEMBERSHIP_MONTHS))]
            host.membership(online[int(rand() * len(online))], tier, months, monthly * months)
            n += 1
        for _ in range(_poisson(rng, SHARE_RATE * viewers)):
            host.share(online[int(rand() * len(online))])
            n += 1
        return n

    def _rain(self, dt: float) -> int:
        """Grabs and the chat they cause while rains are on (``_rain_rng`` only)."""
        online = self._online
        if not online:
            return 0
        rng = self._rain_rng
        rand = rng.random
        host = self._host
        n = 0
        for _ in range(_count(rng, RAIN_TALK_RATE * self._rain_heat * len(online) * dt)):
            n += self._rain_say(online[int(rand() * len(online))], txt.RAIN_HYPE)
        for rain in self._rains:
            tries = min(2 * rain.remaining + 5, _count(rng, GRAB_RATE * len(online) * dt))
            for _ in range(tries):
                user = online[int(rand() * len(online))]
                try:
                    host.grab_red_envelope(user, rain.id)
                except GrabRefused as exc:
                    if exc.code == "not_eligible" and rain.eligibility == "followers":
                        if rand() < 0.3:  # 「关注主播才能抢」: some follow first
                            n += self._follow_user(user)
                    elif exc.code == "red_envelope_empty" and rand() < 0.2:
                        n += self._rain_say(user, txt.RAIN_MISSED)
                    elif exc.code == "red_envelope_not_active":
                        break
                    continue
                n += 1
                if rand() < 0.1:
                    n += self._rain_say(user, txt.RAIN_GOT)
        return n

    def _rain_say(self, user: SimUser, pool: tuple[str, ...]) -> int:
        if self._host.is_muted(user.id):
            return 0
        self._host.comment(user, pool[int(self._rain_rng.random() * len(pool))])
        return 1

    def _follow_user(self, user: SimUser) -> int:
        self._host.follow(user)
        user.is_follower = True
        user.fan_level = max(1, user.fan_level)
        return 1

    def _follow(self) -> int:
        user = self._user()
        if user.is_follower:
            return self._like()
        return self._follow_user(user)

    def _claim(self) -> int:
        claimable = self._claimable
        if not claimable:
            return self._coupon_talk()
        cid = claimable[int(self._rand() * len(claimable))]
        user = self._user()
        if (user.id, cid) in self._claimed:
            return self._say(user, txt.COUPON_GOT)
        try:
            self._host.claim_coupon(user, cid)
        except NotAllowed:
            self._claimed.add((user.id, cid))  # limit reached or gone: do not try again
            return self._say(user, txt.COUPON_MISSED) if self._rand() < 0.3 else 0
        self._claimed.add((user.id, cid))
        self._coupon_claims[cid] = self._coupon_claims.get(cid, 0) + 1
        wallet = self._wallet.get(user.id)
        if wallet is None:
            self._wallet[user.id] = [cid]
            self._holders.append(user.id)
        else:
            wallet.append(cid)
        left = self._coupon_left.get(cid, 0) - 1
        self._coupon_left[cid] = left
        if left <= 0:
            claimable.remove(cid)
        if self._rand() < 0.15:
            return 1 + self._say(user, txt.COUPON_GOT)
        return 1

    def _buyer(self) -> SimUser:
        """A random viewer; half the time one holding a coupon, if any is online."""
        holders = self._holders
        if holders and self._rand() < 0.5:
            i = int(self._rand() * len(holders))
            uid = holders[i]
            pos = self._pos.get(uid)
            if self._wallet.get(uid):
                if pos is not None:
                    return self._online[pos]
            else:
                holders[i] = holders[-1]
                holders.pop()
                self._wallet.pop(uid, None)
        return self._user()

    def _coupon_for(self, user_id: str, p: ProductView, quantity: int) -> tuple[str | None, int]:
        """The first held coupon this order can use (maybe buying more to reach a threshold)."""
        for cid in self._wallet.get(user_id, ()):
            c = self._coupon_info.get(cid)
            if c is None or (c.product_ids is not None and p.id not in c.product_ids):
                continue
            total = p.price_cents * quantity
            if total >= c.threshold_cents:
                return cid, quantity
            needed = -(-c.threshold_cents // max(1, p.price_cents))
            if needed <= 3 and self._rand() < 0.5:  # 凑单: buy one more to reach 满减
                return cid, needed
        return None, quantity

    def _order(self) -> int:
        pids = self._order_pids
        if not pids:
            return self._complaint()
        rand = self._rand
        cw = self._order_cw
        pid = (
            pids[self._rng.choices(range(len(pids)), cum_weights=cw)[0]]
            if len(pids) > 1
            else pids[0]
        )
        p = self._products[pid]
        user = self._buyer()
        sku = p.sku_ids[int(rand() * len(p.sku_ids))] if p.sku_ids else None
        quantity = _QUANTITIES[int(rand() * len(_QUANTITIES))]
        coupon, quantity = self._coupon_for(user.id, p, quantity)
        host = self._host
        host.going_to_buy(user)  # the platform says so in the room, as real ones do
        try:
            try:
                order_id = host.place_order(user, pid, sku, quantity, coupon)
            except NotAllowed:
                if coupon is None:
                    return 0
                self._wallet[user.id].remove(coupon)  # expired or not valid here: drop it
                coupon = None
                order_id = host.place_order(user, pid, sku, quantity, None)
            except SoldOut:
                if quantity == 1 or coupon is not None:
                    raise
                quantity = 1  # not enough left for two: take the last one
                order_id = host.place_order(user, pid, sku, quantity, None)
        except SoldOut:
            if pid not in self._sold_out:
                self._sold_out[pid] = (p.stock, p.flash_sale_id)  # until restock / new sale
                self._soldout_heat = 1.0
                self._refresh_order_weights()
            return self._say(user, txt.COMPLAINTS)
        except NotAllowed:
            return 0
        if coupon is not None:
            self._wallet[user.id].remove(coupon)
        if rand() < PAID_SHARE:
            self._later(2.0 + 23.0 * rand(), _PAY, order_id)
        return 1
