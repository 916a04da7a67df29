"""The scripted evening broadcast: a synthesised 26-minute session that tells a story, for the
docs' screenshots (tools/replay_screenshots.py, tools/summary_screenshots.py) and demos.

tests/support/synth.py makes volume (millions of events, a steady random mix, for benchmarks and
tests); this module makes one deterministic show of the built-in catalog's products: viewers
ramping up and easing off at the end, eight explains (two products explained twice, one pause), a
满减 coupon that expires and a 无门槛 coupon ended early, a lottery drawn with the documented
verifiable algorithm, a flash sale that sells out, payments and a few refunds, and the operators'
actions, written through the same SessionWriter the recorder uses (:func:`synthesise`).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from pathlib import Path
from typing import Any

from app.live.lottery_verify import digest_of, recompute_winners
from app.live.room import ActionRecord
from app.platform import models as m
from app.resources import resource
from app.session.writer import SessionWriter

ET = m.EventType
HOST = m.Actor(role=m.Role.HOST, token_id="t8c41a2f0")
ASSISTANT = m.Actor(role=m.Role.ASSISTANT, token_id="t3be90d17")
T0 = time.mktime((2026, 11, 30, 20, 0, 0, 0, 0, -1))  # a Sunday evening, local time
DURATION = 26 * 60
ROOM, SESSION = "r60b87cec", "s1130"

# (start s, product index, who) — each explain lasts until the next one or a stop
EXPLAINS: list[tuple[int, int | None, m.Actor]] = [
    (25, 0, HOST),
    (215, 1, ASSISTANT),
    (400, None, ASSISTANT),  # a pause: nothing explained
    (440, 2, HOST),
    (640, 3, HOST),
    (835, 0, HOST),  # the hoodie again, during the lottery
    (1010, 6, ASSISTANT),
    (1195, 4, HOST),  # the flash-sale product
    (1380, 1, ASSISTANT),  # the jeans again
    (1530, None, HOST),
]
COUPON1_AT, COUPON1_VALID = 300, 600  # 满199减30, expires by itself
COUPON2_AT, COUPON2_END = 1100, 1330  # 无门槛减10, ended early
LOTTERY_AT, LOTTERY_S, DRAW_AT = 860, 120, 990
FLASH_AT, FLASH_S, FLASH_PRICE, FLASH_QTY = 1210, 240, 5900, 120
FLASH_PRODUCT = 4

FIRST = [
    "小",
    "阿",
    "大",
    "甜甜",
    "橙子",
    "奶茶",
    "星星",
    "月亮",
    "夏天",
    "快乐",
    "追光",
    "山东",
    "长安",
]
LAST = [
    "酱",
    "宝宝",
    "不吃鱼",
    "爱吃糖",
    "_99",
    "姐姐",
    "同学",
    "小屋",
    "在减肥",
    "向暖",
    "李",
    "1314",
]
GENERIC = ["主播好！", "来了来了", "支持主播", "好看", "太好看了", "颜色好正", "报到", "想要想要",
           "主播今天好美", "刚来，讲的什么？", "已关注", "哈哈哈", "声音好好听"]  # fmt: skip
QUESTIONS = ["这个有几个码？", "160斤穿什么码？", "什么时候发货？", "包邮吗？", "链接在哪？",
             "还有货吗？", "质量怎么样？", "主播穿的是哪个颜色？", "这个面料舒服吗？",
             "会起球吗？", "能便宜点吗？", "165 120斤穿什么码？"]  # fmt: skip
BOUGHT = ["已拍", "扣1", "已下单，期待", "拍了两件", "已拍，快点发货"]
COUPON_TALK = ["领到券了", "券在哪里领？", "满199减30太划算了", "券抢光了吗？"]
FLASH_TALK = ["抢到了！", "没抢到呜呜", "秒杀还有吗？", "手慢了", "再上一波秒杀吧"]


def catalog(n: int = 10) -> list[m.Product]:
    data = json.loads(resource("catalog", "catalog.json").read_text("utf-8"))
    out = []
    for p in data["products"][:n]:
        q = {**p, "image_url": None, "stock": int(p["stock"])}
        out.append(m.Product.model_validate(q))
    return out


class Synth:
    """Builds the session second by second (plain models, the platform's event contract)."""

    def __init__(self, seed: int = 2026) -> None:
        self.rnd = random.Random(seed)
        self.seq = 0
        self.products = catalog()
        self.stock = {p.id: p.stock for p in self.products}
        self.sold = {p.id: 0 for p in self.products}
        self.dirty: set[str] = set()
        self.users = [(f"u{i}", self._nick(i), self.rnd.random() < 0.3) for i in range(1, 9001)]
        self.nicks = {u: n for u, n, _ in self.users}
        self.online = 420.0
        self.uv = 420
        self.likes = 0
        self.out: list[m.Event] = []
        self.actions: list[ActionRecord] = []
        self.pending: list[tuple[float, str, m.Order]] = []  # (due, paid|refunded, order)
        self.orders = 0
        self.coupons: dict[str, m.Coupon] = {}
        self.wallet: dict[str, set[str]] = {}
        self.lottery: m.Lottery | None = None
        self.seed_b = b""
        self.entrants: dict[str, str] = {}
        self.flash: m.FlashSale | None = None
        self.explaining: str | None = None

    def _nick(self, i: int) -> str:
        if self.rnd.random() < 0.35:
            return f"用户{self.rnd.randint(10_000_000, 99_999_999)}"
        return self.rnd.choice(FIRST) + self.rnd.choice(LAST) + ("" if i % 3 else str(i % 97))

    def ev(self, ts: float, t: m.EventType, data: Any) -> None:
        self.seq += 1
        self.out.append(m.Event(seq=self.seq, ts=ts, type=t, data=data))

    def act(self, ts: float, name: str, who: m.Actor, **args: Any) -> None:
        self.actions.append(
            ActionRecord(
                ts - 0.08, name, args, who.role.value, True, None, self.rnd.uniform(40, 160)
            )
        )

    # --- audience -------------------------------------------------------------------------------
    def target_online(self, s: int) -> float:
        t = 550 + 2700 * (1 - math.exp(-s / 330))
        if LOTTERY_AT <= s < DRAW_AT + 30:
            t *= 1.3
        if FLASH_AT - 20 <= s < FLASH_AT + FLASH_S:
            t *= 1.2
        if s > DURATION - 240:
            t *= 1 - 0.35 * (s - (DURATION - 240)) / 240
        return t

    def comment(self, ts: float, s: int) -> None:
        uid, nick, fan = self.rnd.choice(self.users)
        r = self.rnd.random()
        lot = self.lottery
        if lot is not None and lot.status == "open" and r < 0.45:
            text = lot.keyword if self.rnd.random() < 0.9 else f"{lot.keyword}！"
            if uid not in self.entrants and ts <= lot.ends_ts:  # the platform's window
                self.entrants[uid] = nick
                self.ev(ts + 0.001, ET.LOTTERY_ENTERED, m.LotteryEnteredData(
                    lottery_id=lot.id, user_id=uid, entrants=len(self.entrants)))  # fmt: skip
        elif self.flash is not None and r < 0.25:
            text = self.rnd.choice(FLASH_TALK)
        elif any(c.status == "active" for c in self.coupons.values()) and r < 0.12:
            text = self.rnd.choice(COUPON_TALK)
        elif r < 0.45:
            text = self.rnd.choice(QUESTIONS)
        elif r < 0.6:
            text = self.rnd.choice(BOUGHT)
        else:
            text = self.rnd.choice(GENERIC)
        c = m.Comment(id=f"c{self.seq + 1}", user_id=uid, nickname=nick, text=text,
                      is_follower=fan, fan_level=self.rnd.randint(1, 12) if fan else 0, ts=ts)  # fmt: skip
        self.ev(ts, ET.COMMENT, m.CommentData(comment=c))

    def order(self, ts: float, s: int) -> None:
        flash = self.flash
        if flash is not None and self.rnd.random() < 0.6:
            pid = flash.product_id
        elif self.explaining and self.rnd.random() < 0.75:
            pid = self.explaining
        else:
            pid = self.rnd.choice(self.products[:8]).id
        p = next(x for x in self.products if x.id == pid)
        q = 1 if self.rnd.random() < 0.85 else 2
        if self.stock[pid] < q:
            return
        uid, nick, _ = self.rnd.choice(self.users)
        holders = [u for u, held in self.wallet.items() if held]
        if holders and self.rnd.random() < 0.25:  # coupon holders come back to use them
            uid = self.rnd.choice(holders)
            nick = self.nicks[uid]
        price = p.price_cents
        fs_id = None
        if flash is not None and pid == flash.product_id and flash.sold + q <= flash.quantity:
            price, fs_id = flash.price_cents, flash.id
            self.flash = flash = flash.model_copy(update={"sold": flash.sold + q})
        amount = price * q
        coupon_id = None
        for cid in sorted(self.wallet.get(uid, ())):
            c = self.coupons[cid]
            if c.status == "active" and amount >= c.threshold_cents and not fs_id:
                amount -= c.amount_cents or 0
                coupon_id = cid
                self.coupons[cid] = c.model_copy(update={"used": c.used + 1})
                self.wallet[uid].discard(cid)
                break
        self.stock[pid] -= q
        self.sold[pid] += q
        self.dirty.add(pid)
        self.orders += 1
        sku = self.rnd.choice(p.skus) if p.skus else None
        o = m.Order(id=f"o{self.orders:05d}", user_id=uid, nickname=nick, product_id=pid,
                    product_title=p.title, sku_id=sku.id if sku else None,
                    sku_name=sku.name if sku else None, quantity=q, unit_price_cents=price,
                    amount_cents=amount, status="created", coupon_id=coupon_id,
                    flash_sale_id=fs_id, created_ts=ts, seq=self.seq + 1)  # fmt: skip
        self.ev(ts, ET.ORDER_CREATED, m.OrderData(order=o))
        if self.rnd.random() < 0.88:
            self.pending.append((ts + self.rnd.uniform(3, 40), "paid", o))
        if self.stock[pid] == 0:
            self.product_update(ts + 0.002, pid)
        if fs_id and flash is not None and flash.sold >= flash.quantity:
            self.end_flash(ts + 0.003)

    def product_update(self, ts: float, pid: str) -> None:
        p = next(x for x in self.products if x.id == pid)
        self.ev(ts, ET.PRODUCT_UPDATED, m.ProductUpdatedData(
            product=p.model_copy(update={"stock": self.stock[pid], "sold": self.sold[pid]})))  # fmt: skip
        self.dirty.discard(pid)

    def follow_ups(self, now: float) -> None:
        due = [x for x in self.pending if x[0] <= now]
        self.pending = [x for x in self.pending if x[0] > now]
        for ts, what, o in sorted(due, key=lambda x: x[0]):
            if what == "paid":
                paid = o.model_copy(update={"status": "paid", "seq": self.seq + 1})
                self.ev(ts, ET.ORDER_PAID, m.OrderData(order=paid))
                if self.rnd.random() < 0.03:
                    self.pending.append((ts + self.rnd.uniform(60, 400), "refunded", paid))
            else:
                ref = o.model_copy(update={"status": "refunded", "seq": self.seq + 1})
                self.ev(ts, ET.ORDER_REFUNDED, m.OrderData(order=ref))
                self.stock[o.product_id] += o.quantity
                self.dirty.add(o.product_id)

    # --- operators ------------------------------------------------------------------------------
    def explain(self, ts: float, idx: int | None, who: m.Actor) -> None:
        if self.explaining is not None:
            self.ev(ts, ET.PRODUCT_EXPLAINING, m.ProductExplainingData(
                product_id=self.explaining, explaining=False, actor=who))  # fmt: skip
            if idx is None:
                self.act(ts, "stop_explain", who, product_id=self.explaining)
        if idx is None:
            self.explaining = None
            return
        pid = self.products[idx].id
        self.explaining = pid
        self.ev(ts + 0.001, ET.PRODUCT_EXPLAINING, m.ProductExplainingData(
            product_id=pid, explaining=True, actor=who))  # fmt: skip
        self.act(ts, "explain", who, product_id=pid)

    def issue_coupon(self, ts: float, cid: str, **spec: Any) -> None:
        c = m.Coupon(id=cid, created_ts=ts, ends_ts=ts + spec["valid_seconds"], **spec)
        self.coupons[cid] = c
        self.ev(ts, ET.COUPON_ISSUED, m.CouponData(coupon=c.model_copy(), actor=HOST))
        self.act(ts, "issue_coupon", HOST, coupon=c.name, quantity=c.quantity)

    def claim(self, ts: float) -> None:
        for c in list(self.coupons.values()):
            if c.status != "active" or c.claimed >= c.quantity or self.rnd.random() > 0.55:
                continue
            uid, _, _ = self.rnd.choice(self.users)
            if c.id in self.wallet.setdefault(uid, set()):
                continue
            self.wallet[uid].add(c.id)
            c = self.coupons[c.id] = c.model_copy(update={"claimed": c.claimed + 1})
            self.ev(ts, ET.COUPON_CLAIMED, m.CouponClaimedData(
                coupon_id=c.id, user_id=uid, claimed=c.claimed, remaining=c.remaining))  # fmt: skip

    def end_coupon(self, ts: float, cid: str, status: str, who: m.Actor | None) -> None:
        c = self.coupons[cid] = self.coupons[cid].model_copy(update={"status": status})
        self.ev(ts, ET.COUPON_ENDED, m.CouponData(coupon=c, actor=who))
        if who is not None:
            self.act(ts, "end_coupon", who, coupon_id=cid)

    def start_lottery(self, ts: float) -> None:
        self.seed_b = self.rnd.randbytes(32)
        self.lottery = m.Lottery(id="l1", prize="保温杯", keyword="想要保温杯", winners=3,
                                 duration_seconds=LOTTERY_S, eligibility="all",
                                 commitment=hashlib.sha256(self.seed_b).hexdigest(),
                                 status="open", starts_ts=ts, ends_ts=ts + LOTTERY_S)  # fmt: skip
        self.ev(ts, ET.LOTTERY_STARTED, m.LotteryData(lottery=self.lottery, actor=HOST))
        self.act(ts, "start_lottery", HOST, prize="保温杯", keyword="想要保温杯")

    def draw(self, ts: float) -> None:
        lot = self.lottery
        assert lot is not None
        ids = sorted(self.entrants)
        winners = recompute_winners(self.seed_b, ids, lot.winners)
        drawn = lot.model_copy(update={
            "status": "drawn", "entrants": len(ids), "seed": self.seed_b.hex(),
            "participants_digest": digest_of(ids), "participant_ids": ids,
            "winner_ids": winners, "winner_nicknames": [self.entrants[u] for u in winners]})  # fmt: skip
        self.ev(ts, ET.LOTTERY_DRAWN, m.LotteryData(lottery=drawn, actor=HOST))
        self.act(ts, "draw_lottery", HOST, lottery_id=lot.id)
        self.lottery = None

    def start_flash(self, ts: float) -> None:
        pid = self.products[FLASH_PRODUCT].id
        self.flash = m.FlashSale(id="fs1", product_id=pid, price_cents=FLASH_PRICE,
                                 quantity=FLASH_QTY, status="active", starts_ts=ts,
                                 ends_ts=ts + FLASH_S)  # fmt: skip
        self.ev(
            ts,
            ET.FLASH_SALE_STARTED,
            m.FlashSaleData(flash_sale=self.flash.model_copy(), actor=HOST),
        )
        self.act(ts, "start_flash_sale", HOST, product_id=pid, price_cents=FLASH_PRICE)

    def end_flash(self, ts: float) -> None:
        fs = self.flash
        if fs is None:
            return
        self.ev(ts, ET.FLASH_SALE_ENDED, m.FlashSaleData(
            flash_sale=fs.model_copy(update={"status": "ended"})))  # fmt: skip
        self.flash = None

    # --- the broadcast ----------------------------------------------------------------------------
    def run(self, w: SessionWriter) -> None:
        rnd = self.rnd
        session = m.Session(id=SESSION, status="live", started_ts=T0)
        self.ev(T0, ET.SESSION_STARTED, m.SessionData(session=session, actor=HOST))
        self.act(T0, "start_session", HOST)
        explains = list(EXPLAINS)
        for s in range(DURATION):
            base = T0 + s
            if explains and explains[0][0] == s:
                _, idx, who = explains.pop(0)
                self.explain(base + 0.01, idx, who)
            if s == COUPON1_AT:
                self.issue_coupon(base + 0.02, "cp1", kind=m.CouponKind.THRESHOLD,
                                  name="满199减30", threshold_cents=19900, amount_cents=3000,
                                  quantity=300, valid_seconds=COUPON1_VALID)  # fmt: skip
            if s == COUPON1_AT + COUPON1_VALID:
                self.end_coupon(base + 0.02, "cp1", "expired", None)
            if s == COUPON2_AT:
                self.issue_coupon(base + 0.02, "cp2", kind=m.CouponKind.NO_THRESHOLD,
                                  name="无门槛减10", amount_cents=1000, quantity=150,
                                  valid_seconds=600)  # fmt: skip
            if s == COUPON2_END:
                self.end_coupon(base + 0.02, "cp2", "ended", ASSISTANT)
            if s == LOTTERY_AT:
                self.start_lottery(base + 0.03)
            if self.lottery is not None and s == LOTTERY_AT + LOTTERY_S:
                self.lottery = self.lottery.model_copy(update={"status": "closed"})
            if s == DRAW_AT:
                self.draw(base + 0.03)
            if s == FLASH_AT:
                self.start_flash(base + 0.04)
            if self.flash is not None and base >= self.flash.ends_ts:
                self.end_flash(base + 0.04)
            # the audience
            self.online += (self.target_online(s) - self.online) * 0.04 + rnd.gauss(0, 12)
            self.online = max(50.0, self.online)
            self.uv += max(0, int(rnd.gauss(self.online / 140, 2)))
            if s % 2 == 0:
                self.ev(base + 0.5, ET.VIEWERS, m.ViewersData(online=int(self.online), uv=self.uv))
            boost = 1.0
            if self.lottery is not None and self.lottery.status == "open":
                boost += 1.2
            if self.flash is not None:
                boost += 0.5
            for _ in range(self._poisson(self.online / 95 * boost)):
                self.comment(base + rnd.random(), s)
            buy = self.online * 0.00030
            if any(c.status == "active" for c in self.coupons.values()):
                buy *= 1.35
            if self.flash is not None:
                buy *= 2.6
            if self.explaining is None:
                buy *= 0.5
            for _ in range(self._poisson(buy)):
                self.order(base + rnd.random(), s)
            self.claim(base + rnd.random())
            likes = self._poisson(self.online / 120)
            if likes:
                self.likes += likes * 3
                self.ev(base + 0.7, ET.LIKE, m.LikeData(count=likes * 3, total=self.likes))
            if rnd.random() < 0.25:
                uid, nick, _ = rnd.choice(self.users)
                self.ev(base + rnd.random(), ET.GIFT, m.GiftData(
                    user_id=uid, nickname=nick, gift="小心心", count=1, value_cents=10))  # fmt: skip
            if rnd.random() < 0.2:
                uid, nick, _ = rnd.choice(self.users)
                self.ev(base + rnd.random(), ET.FOLLOW, m.FollowData(user_id=uid, nickname=nick))
            self.follow_ups(base + 1)
            if s % 2 == 1:
                for pid in sorted(self.dirty):
                    self.product_update(base + 0.99, pid)
            self.out.sort(key=lambda e: e.ts)
            first = self.seq - len(self.out) + 1  # seq follows time within the second
            w.put_events([e.model_copy(update={"seq": first + i}) for i, e in enumerate(self.out)])
            self.out = []
            # the recorder's 1 Hz snapshot of the room's metrics (UV: the 下播总结's conversion)
            w.put_metrics(base + 0.99, {"online": int(self.online), "uv": self.uv})
        end = T0 + DURATION
        self.seq += 1
        ended = m.Session(id=SESSION, status="ended", started_ts=T0, ended_ts=end)
        w.put_events([m.Event(seq=self.seq, ts=end, type=ET.SESSION_ENDED,
                              data=m.SessionData(session=ended, actor=HOST))])  # fmt: skip
        self.act(end, "end_session", HOST)
        for a in sorted(self.actions, key=lambda a: a.ts):
            w.put_action(a)

    def _poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(self.rnd.gauss(lam, math.sqrt(lam))))
        k, p, limit = 0, 1.0, math.exp(-lam)
        while True:
            p *= self.rnd.random()
            if p <= limit:
                return k
            k += 1


def synthesise(path: Path) -> Path:
    path.unlink(missing_ok=True)
    synth = Synth()
    w = SessionWriter(path, {"room": ROOM, "session_id": SESSION, "started_ts": repr(T0)})
    w.put_products(synth.products, T0)
    synth.run(w)
    w.close()
    return path
