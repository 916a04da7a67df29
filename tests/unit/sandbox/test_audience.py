"""The simulated audience against a small in-memory room that implements the AudienceHost seam.

The room below is a legitimate test double: ``AudienceHost`` IS the seam between the audience and
the engine, and this room keeps the same rules the engine promises (stock never below zero,
SoldOut / NotAllowed, coupon limits, lottery keyword entries). Time is simulated: ``step(dt)``.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from plugins.sandbox import audience_text as txt
from plugins.sandbox.audience import Audience
from plugins.sandbox.audience_host import (
    CouponView,
    GrabRefused,
    LotteryView,
    NotAllowed,
    ProductView,
    RainView,
    SimUser,
    SoldOut,
)

HAN = re.compile(r"[\u4e00-\u9fff]")

TITLES = [
    "加厚羊羔毛外套女冬季宽松",
    "玻尿酸补水保湿精华液30ml",
    "每日坚果混合果仁750g",
    "蓝牙降噪耳机长续航",
    "不粘锅炒锅家用",
    "纯棉短袖T恤男女同款",
    "烟酰胺美白面膜20片",
    "手工牛肉干麻辣味",
    "记忆棉护颈枕头",
    "高腰直筒牛仔裤女",
]
SKUS = [("黑色M", "黑色L", "米白M"), ("30ml",), (), ("白色", "黑色"), ("28cm", "32cm")]


@dataclass
class Prod:
    id: str
    title: str
    price_cents: int
    stock: int
    sku_ids: tuple[str, ...]
    sku_names: tuple[str, ...]
    flash_sale_id: str | None = None


@dataclass
class Coup:
    id: str
    kind: Literal["threshold", "discount", "no_threshold"]
    threshold_cents: int
    amount_cents: int | None
    percent_off: int | None
    quantity: int
    per_user_limit: int = 1
    product_ids: tuple[str, ...] | None = None
    claimed: int = 0
    active: bool = True


@dataclass
class Order:
    id: str
    user_id: str
    product_id: str
    quantity: int
    coupon_id: str | None
    t: float
    status: str = "created"
    paid_t: float | None = None


@dataclass
class Room:
    """In-memory AudienceHost: records every event as (t, type, data)."""

    t: float = 0.0
    live: bool = True
    products: dict[str, Prod] = field(default_factory=dict)
    explaining: str | None = None
    coupons: dict[str, Coup] = field(default_factory=dict)
    lotteries: dict[str, LotteryView] = field(default_factory=dict)
    rains: dict[str, list[int]] = field(default_factory=dict)  # rain id -> envelopes left
    rain_eligibility: dict[str, Literal["all", "followers", "fans"]] = field(default_factory=dict)
    grabbers: dict[str, set[str]] = field(default_factory=dict)
    followers: set[str] = field(default_factory=set)
    muted: set[str] = field(default_factory=set)
    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    orders: dict[str, Order] = field(default_factory=dict)
    claims: Counter[tuple[str, str]] = field(default_factory=Counter)
    wallet: Counter[tuple[str, str]] = field(default_factory=Counter)
    entrants: dict[str, set[str]] = field(default_factory=dict)
    online: set[str] = field(default_factory=set)
    sold_out_raised: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    first_sold_out: dict[str, float] = field(default_factory=dict)

    @classmethod
    def with_products(cls, n: int = 10, stock: int = 100_000) -> Room:
        room = cls()
        for i in range(n):
            skus = SKUS[i % len(SKUS)]
            pid = f"p{i + 1}"
            room.products[pid] = Prod(
                pid,
                TITLES[i % len(TITLES)],
                price_cents=2990 + 1000 * i,
                stock=stock,
                sku_ids=tuple(f"{pid}-s{j}" for j in range(len(skus))),
                sku_names=skus,
            )
        return room

    def _ev(self, kind: str, **data: Any) -> None:
        self.events.append((self.t, kind, data))

    # --- what viewers can see
    def now(self) -> float:
        return self.t

    def session_live(self) -> bool:
        return self.live

    def listed_products(self) -> list[ProductView]:
        return [
            ProductView(
                p.id, p.title, p.price_cents, p.stock, p.sku_ids, p.flash_sale_id, p.sku_names
            )
            for p in self.products.values()
        ]

    def explaining_product_id(self) -> str | None:
        return self.explaining

    def active_coupons(self) -> list[CouponView]:
        return [
            CouponView(
                c.id,
                c.kind,
                c.threshold_cents,
                c.amount_cents,
                c.percent_off,
                c.quantity - c.claimed,
                c.product_ids,
            )
            for c in self.coupons.values()
            if c.active
        ]

    def open_lotteries(self) -> list[LotteryView]:
        return list(self.lotteries.values())

    def active_rains(self) -> list[RainView]:
        return [
            RainView(rid, self.rain_eligibility.get(rid, "all"), 0, len(left))
            for rid, left in self.rains.items()
        ]

    def grab_red_envelope(self, user: SimUser, rain_id: str) -> int:
        left = self.rains.get(rain_id)
        if left is None:
            raise GrabRefused("red_envelope_not_active", "not on")
        got = self.grabbers.setdefault(rain_id, set())
        if user.id in got:
            raise GrabRefused("already_grabbed", "once")
        if self.rain_eligibility.get(rain_id) == "followers" and not user.is_follower:
            raise GrabRefused("not_eligible", "followers only")
        if not left:
            raise GrabRefused("red_envelope_empty", "all grabbed")
        got.add(user.id)
        amount = left.pop()
        self._ev("red_envelope_grabbed", user_id=user.id, amount_cents=amount)
        return amount

    def is_muted(self, user_id: str) -> bool:
        return user_id in self.muted

    # --- what viewers do
    def viewer_enter(self, user: SimUser) -> None:
        assert user.id not in self.online, "entered twice without leaving"
        self.online.add(user.id)
        self._ev("viewer_enter", user_id=user.id, nickname=user.nickname)

    def viewer_leave(self, user_id: str) -> None:
        self.online.remove(user_id)

    def comment(self, user: SimUser, text: str) -> None:
        assert user.id in self.online, "a viewer who is not in the room commented"
        assert user.id not in self.muted
        self._ev("comment", user_id=user.id, nickname=user.nickname, text=text)
        for lot in self.lotteries.values():
            if text == lot.keyword and (lot.eligibility == "all" or user.is_follower):
                self.entrants.setdefault(lot.id, set()).add(user.id)

    def like(self, user: SimUser, count: int) -> None:
        assert count > 0
        self._ev("like", user_id=user.id, count=count)

    def gift(self, user: SimUser, gift: str, count: int, value_cents: int) -> None:
        self._ev("gift", user_id=user.id, gift=gift, count=count, value_cents=value_cents)

    def follow(self, user: SimUser) -> None:
        assert not user.is_follower
        self._ev("follow", user_id=user.id)

    def paid_message(self, user: SimUser, amount_cents: int, text: str) -> None:
        self._ev("paid_message", user_id=user.id, amount_cents=amount_cents, text=text)

    def membership(self, user: SimUser, tier: str, months: int, amount_cents: int) -> None:
        self._ev("membership", user_id=user.id, tier=tier, months=months, amount=amount_cents)

    def share(self, user: SimUser) -> None:
        self._ev("share", user_id=user.id)

    def going_to_buy(self, user: SimUser) -> None:
        pass  # a room note: nothing this model of the room counts

    def claim_coupon(self, user: SimUser, coupon_id: str) -> None:
        c = self.coupons.get(coupon_id)
        if c is None or not c.active or c.claimed >= c.quantity:
            raise NotAllowed("coupon gone")
        if self.claims[(user.id, coupon_id)] >= c.per_user_limit:
            raise NotAllowed("limit reached")
        c.claimed += 1
        self.claims[(user.id, coupon_id)] += 1
        self.wallet[(user.id, coupon_id)] += 1
        self._ev("coupon_claimed", coupon_id=coupon_id, user_id=user.id)

    def place_order(
        self,
        user: SimUser,
        product_id: str,
        sku_id: str | None,
        quantity: int,
        coupon_id: str | None = None,
    ) -> str:
        p = self.products[product_id]
        self.attempts[product_id] += 1
        assert quantity >= 1
        assert sku_id is None or sku_id in p.sku_ids
        if coupon_id is not None:
            c = self.coupons[coupon_id]
            if self.wallet[(user.id, coupon_id)] <= 0:
                raise NotAllowed("coupon not held")
            if p.price_cents * quantity < c.threshold_cents:
                raise NotAllowed("below threshold")
            if c.product_ids is not None and product_id not in c.product_ids:
                raise NotAllowed("not for this product")
        if p.stock < quantity:
            self.sold_out_raised[product_id] += 1
            self.first_sold_out.setdefault(product_id, self.t)
            raise SoldOut(product_id)
        p.stock -= quantity
        if p.stock == 0:
            self.first_sold_out.setdefault(product_id, self.t)
        if coupon_id is not None:
            self.wallet[(user.id, coupon_id)] -= 1
        oid = f"o{len(self.orders) + 1}"
        self.orders[oid] = Order(oid, user.id, product_id, quantity, coupon_id, self.t)
        self._ev("order_created", order_id=oid, product_id=product_id, coupon_id=coupon_id)
        return oid

    def pay_order(self, order_id: str) -> None:
        o = self.orders[order_id]
        assert o.status == "created"
        o.status = "paid"
        o.paid_t = self.t
        self._ev("order_paid", order_id=order_id)

    def refund_order(self, order_id: str, reason: str) -> None:
        o = self.orders[order_id]
        assert o.status == "paid"
        o.status = "refunded"
        self.products[o.product_id].stock += o.quantity
        self._ev("order_refunded", order_id=order_id, reason=reason)

    # --- test helpers
    def of(
        self, kind: str, since: float = 0.0, until: float = float("inf")
    ) -> list[dict[str, Any]]:
        return [d for t, k, d in self.events if k == kind and since <= t < until]

    def texts(self, since: float = 0.0, until: float = float("inf")) -> list[str]:
        return [d["text"] for d in self.of("comment", since, until)]


def advance(aud: Audience, room: Room, seconds: float, dt: float = 0.05) -> int:
    """Step the audience for ``seconds`` of simulated time; returns the events it reported."""
    n = 0
    for _ in range(round(seconds / dt)):
        room.t += dt
        n += aud.step(dt)
    return n


def orders_by_product(room: Room, since: float = 0.0, until: float = float("inf")) -> Counter[str]:
    return Counter(d["product_id"] for d in room.of("order_created", since, until))


# --- tests -----------------------------------------------------------------------------------


def test_explained_product_sells_far_more_than_an_average_other_product() -> None:
    room = Room.with_products(10)
    room.explaining = "p3"
    aud = Audience(room, seed=1, viewers=300, rate=None)
    advance(aud, room, 600)
    by = orders_by_product(room)
    others = [by[pid] for pid in room.products if pid != "p3"]
    average_other = sum(others) / len(others)
    assert by["p3"] > 200, by
    assert by["p3"] >= 5 * average_other, by
    assert by["p3"] / sum(by.values()) > 0.6, by  # most orders: what the host is selling now


def test_room_is_realistic_for_200_viewers() -> None:
    room = Room.with_products(10)
    room.explaining = "p1"
    aud = Audience(room, seed=2, viewers=200, rate=None)
    advance(aud, room, 60)  # warm-up
    advance(aud, room, 120)
    comments_per_s = len(room.of("comment", 60, 180)) / 120
    assert 10 <= comments_per_s <= 40, comments_per_s
    assert 140 <= aud.online <= 280, aud.online
    assert len(room.of("like", 60, 180)) > 120
    assert sum(d["count"] for d in room.of("like", 60, 180)) > len(room.of("like", 60, 180))
    gifts = room.of("gift", 60, 180)
    assert gifts and {g["gift"] for g in gifts} <= {name for name, _, _ in txt.GIFTS}
    assert all(g["value_cents"] > 0 and isinstance(g["value_cents"], int) for g in gifts)
    assert room.of("follow", 60, 180)
    assert room.of("viewer_enter", 60, 180)  # people keep arriving
    texts = room.texts(60, 180)
    assert all(HAN.search(t) or t.strip("16") == "" for t in texts), "comments are Chinese"
    kinds = Counter(
        "greet"
        if t in txt.GREETINGS
        else "intent"
        if t in aud._intents
        else "question"
        if t in aud._questions
        else "reaction"
        if t in txt.REACTIONS
        else "other"
        for t in texts
    )
    assert min(kinds["greet"], kinds["intent"], kinds["question"], kinds["reaction"]) > 30, kinds
    # Questions name the explained product's SKUs or kind: 「黑色M还有吗」「这款外套多少钱」
    assert any("黑色M" in t or "这款外套" in t for t in texts)
    assert any(t in ("158能穿吗", "尺码怎么选", "偏大还是偏小") for t in texts)


def test_viewers_have_stable_ids_chinese_nicknames_and_some_are_fans() -> None:
    room = Room.with_products(3)
    aud = Audience(room, seed=3, viewers=300, rate=None)
    advance(aud, room, 120)
    enters = room.of("viewer_enter")
    ids = {e["user_id"] for e in enters}
    assert len(ids) > 300  # arrivals and departures: more distinct viewers than online at once
    assert len(enters) > len(ids)  # some come back (same id, same nickname)
    nick_of: dict[str, str] = {}
    for e in enters:
        assert nick_of.setdefault(e["user_id"], e["nickname"]) == e["nickname"]
        assert HAN.search(e["nickname"]), e["nickname"]
    assert len(set(nick_of.values())) > 150  # varied, not a handful of names
    users = aud._online
    fans = [u for u in users if u.is_follower]
    assert 0.05 < len(fans) / len(users) < 0.4
    assert all(u.fan_level >= 1 for u in fans)
    assert all(u.fan_level == 0 for u in users if not u.is_follower)


def test_same_seed_and_same_room_changes_give_the_same_events() -> None:
    def script(seed: int) -> list[tuple[float, str, dict[str, Any]]]:
        room = Room.with_products(6, stock=50)
        aud = Audience(room, seed=seed, viewers=150, rate=None)
        room.explaining = "p2"
        advance(aud, room, 30)
        room.coupons["c1"] = Coup("c1", "no_threshold", 0, 500, None, quantity=40)
        room.lotteries["l1"] = LotteryView("l1", "扣福袋", "all")
        advance(aud, room, 30)
        del room.lotteries["l1"]
        room.products["p4"].price_cents -= 1000
        advance(aud, room, 30)
        return room.events

    first = script(42)
    assert len(first) > 1000
    assert script(42) == first
    assert script(43) != first


@pytest.mark.parametrize("rate", [2_000.0, 20_000.0])
def test_rate_scales_the_total_number_of_events(rate: float) -> None:
    room = Room.with_products(10)
    room.explaining = "p1"
    aud = Audience(room, seed=4, viewers=200, rate=rate)
    reported = advance(aud, room, 10)
    assert abs(reported - rate * 10) <= 0.2 * rate * 10, reported
    assert len(room.events) == reported  # step() counts exactly the events it caused
    mix = Counter(k for _, k, _ in room.events)
    assert mix["comment"] > mix["order_created"] > 0  # same kind of room, just louder
    assert mix["like"] > 0


def test_a_coupon_gets_claimed_fast_and_used_in_orders() -> None:
    room = Room.with_products(8)
    room.explaining = "p2"
    aud = Audience(room, seed=5, viewers=300, rate=None)
    advance(aud, room, 60)
    assert not room.of("coupon_claimed")
    room.coupons["c1"] = Coup("c1", "no_threshold", 0, 500, None, quantity=100)
    advance(aud, room, 15)
    c = room.coupons["c1"]
    assert c.claimed >= 80, c.claimed  # remaining drops fast
    advance(aud, room, 120)
    assert c.claimed == c.quantity
    claimers = {d["user_id"] for d in room.of("coupon_claimed")}
    assert len(claimers) == c.quantity  # per-user limit 1: never claimed twice
    used = [o for o in room.orders.values() if o.coupon_id == "c1"]
    assert len(used) >= 10, len(used)
    assert all(o.user_id in claimers for o in used)
    talk = room.texts(60, 90)
    assert any(t in txt.COUPON_TALK for t in talk)  # 「抢到了」「没抢到」


def test_threshold_coupon_is_used_only_when_the_order_reaches_the_threshold() -> None:
    room = Room.with_products(4)
    room.explaining = "p1"  # 29.90 元
    aud = Audience(room, seed=6, viewers=300, rate=None)
    advance(aud, room, 20)
    room.coupons["c1"] = Coup("c1", "threshold", 5000, 1000, None, quantity=200)  # 满50减10
    advance(aud, room, 240)
    used = [o for o in room.orders.values() if o.coupon_id == "c1"]
    assert used  # viewers buy a second one to reach 满减 (凑单)
    for o in used:
        assert room.products[o.product_id].price_cents * o.quantity >= 5000


def test_lottery_keyword_appears_only_while_the_lottery_is_open() -> None:
    room = Room.with_products(5)
    room.explaining = "p1"
    aud = Audience(room, seed=7, viewers=300, rate=None)
    keyword = "主播好美扣1抽奖"
    advance(aud, room, 30)
    room.lotteries["l1"] = LotteryView("l1", keyword, "all")
    advance(aud, room, 40)
    del room.lotteries["l1"]
    advance(aud, room, 60)
    before = room.texts(0, 30)
    during = room.texts(30, 70)
    after = room.texts(70)
    assert keyword not in before and keyword not in after
    assert during.count(keyword) >= 100
    assert len(room.entrants["l1"]) >= 100  # many distinct viewers entered


def test_followers_only_lottery_brings_follows() -> None:
    room = Room.with_products(5)
    aud = Audience(room, seed=8, viewers=300, rate=None)
    advance(aud, room, 60)
    follows_before = len(room.of("follow", 0, 60))
    room.lotteries["l1"] = LotteryView("l1", "粉丝福利", "followers")
    advance(aud, room, 60)
    follows_during = len(room.of("follow", 60, 120))
    assert follows_during >= 3 * max(1, follows_before)
    assert len(room.entrants["l1"]) >= 20


def test_a_red_envelope_rain_brings_a_crowd_grabs_and_chat_then_calm() -> None:
    room = Room.with_products(5)
    aud = Audience(room, seed=11, viewers=300, rate=None)
    advance(aud, room, 60)
    online_before = aud.online
    comments_before = len(room.of("comment", 30, 60))
    room.rains["re1"] = [100] * 200
    advance(aud, room, 30)
    grabs = room.of("red_envelope_grabbed", 60, 90)
    assert len(grabs) == 200  # every envelope grabbed, each by a different viewer
    assert len({g["user_id"] for g in grabs}) == 200
    assert aud.online >= online_before * 1.15  # viewers poured in
    during = room.texts(60, 90)
    assert len(during) >= 2 * comments_before
    assert any(t in txt.RAIN_HYPE for t in during)
    assert any(t in txt.RAIN_MISSED for t in during)  # the late ones say so
    del room.rains["re1"]
    advance(aud, room, 30)
    assert not room.of("red_envelope_grabbed", 90)


def test_followers_only_rain_brings_follows_and_only_followers_grab() -> None:
    room = Room.with_products(5)
    aud = Audience(room, seed=12, viewers=300, rate=None)
    advance(aud, room, 30)
    room.rains["re1"] = [50] * 1000
    room.rain_eligibility["re1"] = "followers"
    advance(aud, room, 30)
    assert len(room.of("follow", 30, 60)) >= 30
    assert room.of("red_envelope_grabbed", 30, 60)


def test_sold_out_brings_complaints_and_no_endless_retries() -> None:
    room = Room.with_products(6)
    room.products["p1"].stock = 40
    room.explaining = "p1"
    aud = Audience(room, seed=9, viewers=300, rate=None)
    t = 0.0
    while room.products["p1"].stock > 0 and t < 300:
        advance(aud, room, 1)
        t += 1
    assert room.products["p1"].stock == 0
    sold_out_at = room.first_sold_out["p1"]  # the last one sold, or the first SoldOut
    complaints_before = [x for x in room.texts(0, sold_out_at) if x in txt.COMPLAINTS]
    assert complaints_before == []
    attempts_at_sellout = room.attempts["p1"]
    advance(aud, room, 120)
    complaints_after = [x for x in room.texts(sold_out_at) if x in txt.COMPLAINTS]
    assert len(complaints_after) >= 20  # 「没货了?」「补货吗」
    # Orders for the sold-out product stop (at most a few that raced the sell-out).
    assert room.attempts["p1"] - attempts_at_sellout <= 5
    assert room.sold_out_raised["p1"] <= 5
    # A restock brings buyers back.
    room.products["p1"].stock = 500
    advance(aud, room, 60)
    assert orders_by_product(room, room.t - 60)["p1"] >= 20


def test_flash_sale_exhausted_is_not_retried_until_it_changes() -> None:
    room = Room.with_products(4)
    room.explaining = "p2"
    aud = Audience(room, seed=10, viewers=300, rate=None)
    advance(aud, room, 20)
    # The host's flash-sale quantity runs out while product stock still shows > 0.
    original = room.place_order

    def exhausted(
        user: SimUser,
        product_id: str,
        sku_id: str | None,
        quantity: int,
        coupon_id: str | None = None,
    ) -> str:
        if product_id == "p2":
            room.attempts["p2"] += 1
            raise SoldOut("flash sale quantity exhausted")
        return original(user, product_id, sku_id, quantity, coupon_id)

    room.attempts["p2"] = 0
    room.place_order = exhausted  # type: ignore[method-assign]
    room.products["p2"].flash_sale_id = "f1"
    room.products["p2"].price_cents = 990
    advance(aud, room, 60)
    assert 1 <= room.attempts["p2"] <= 5, room.attempts["p2"]
    room.place_order = original  # type: ignore[method-assign]
    room.products["p2"].flash_sale_id = None  # the sale ended: buying at the normal price again
    room.products["p2"].price_cents = 3990
    advance(aud, room, 60)
    assert orders_by_product(room, room.t - 60)["p2"] >= 10


def test_price_cut_and_flash_sale_raise_buying() -> None:
    room = Room.with_products(10)
    room.explaining = "p1"
    aud = Audience(room, seed=11, viewers=1000, rate=None)
    advance(aud, room, 300)
    base = orders_by_product(room, 0, 300)
    room.products["p5"].price_cents = room.products["p5"].price_cents * 7 // 10  # 7折
    advance(aud, room, 120)
    cut = orders_by_product(room, 300, 420)
    assert cut["p5"] / 120 >= 2 * base["p5"] / 300, (base["p5"], cut["p5"])
    room.products["p7"].flash_sale_id = "f1"
    room.products["p7"].price_cents = 990
    advance(aud, room, 60)
    flash = orders_by_product(room, 420, 480)
    assert flash["p7"] / 60 >= 4 * base["p7"] / 300, (base["p7"], flash["p7"])
    hype = room.texts(420, 480)
    assert any(t in txt.HYPE for t in hype)


def test_orders_are_mostly_paid_after_a_delay_and_a_few_refunded() -> None:
    room = Room.with_products(5)
    room.explaining = "p1"
    aud = Audience(room, seed=12, viewers=400, rate=None)
    advance(aud, room, 900)
    settled = [o for o in room.orders.values() if o.t < room.t - 30]
    assert len(settled) > 500
    paid = [o for o in settled if o.status in ("paid", "refunded")]
    assert 0.8 <= len(paid) / len(settled) <= 0.95
    assert all(o.paid_t is not None and 1.0 <= o.paid_t - o.t <= 30 for o in paid)
    refunded = [o for o in settled if o.status == "refunded"]
    assert 1 <= len(refunded) <= 0.1 * len(paid)
    assert all(d["reason"] in txt.REFUND_REASONS for d in room.of("order_refunded"))


def test_online_count_rises_after_a_coupon_and_a_lottery_and_sags_when_idle() -> None:
    room = Room.with_products(5)
    aud = Audience(room, seed=13, viewers=200, rate=None)

    def average_online(seconds: int) -> float:
        samples = []
        for _ in range(seconds):
            advance(aud, room, 1)
            samples.append(aud.online)
        return sum(samples) / len(samples)

    average_online(120)  # settle
    baseline = average_online(60)
    assert 160 <= baseline <= 240, baseline
    room.coupons["c1"] = Coup("c1", "no_threshold", 0, 300, None, quantity=50)
    room.lotteries["l1"] = LotteryView("l1", "来了", "all")
    excited = average_online(90)
    assert excited >= 1.2 * baseline, (baseline, excited)
    room.lotteries.clear()
    room.coupons["c1"].active = False
    average_online(420)  # nothing happens for a long time
    idle = average_online(60)
    assert idle < 0.95 * baseline, (baseline, idle)


def test_muted_viewers_do_not_comment() -> None:
    room = Room.with_products(3)
    aud = Audience(room, seed=14, viewers=100, rate=None)
    advance(aud, room, 10)
    muted = {u.id for u in aud._online[:50]}
    room.muted |= muted
    since = room.t + 0.01
    advance(aud, room, 60)  # Room.comment asserts no muted viewer speaks
    assert room.texts(since)
    assert not {d["user_id"] for d in room.of("comment", since)} & muted


def test_nothing_happens_while_the_session_is_not_live() -> None:
    room = Room.with_products(3)
    room.live = False
    aud = Audience(room, seed=15, viewers=100, rate=None)
    assert advance(aud, room, 10) == 0
    assert room.events == []


async def test_run_ticks_with_real_time_until_cancelled() -> None:
    room = Room.with_products(3)
    room.explaining = "p1"
    aud = Audience(room, seed=16, viewers=100, rate=2000)
    task = asyncio.create_task(aud.run())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    for _ in range(600):  # poll (generous on a loaded machine)
        if len(room.events) >= 1000 or loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(room.events) >= 1000
    count = len(room.events)
    await asyncio.sleep(0.2)
    assert len(room.events) == count  # stopped for good
