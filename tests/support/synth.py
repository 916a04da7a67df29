"""A realistic synthetic live session (events in the platform's contract) in volume, for benchmarks
and tests (the scripted show the docs' screenshots use is tests/support/broadcast.py).

The mix follows a live-commerce room: mostly comments, viewers entering, likes, orders that are
mostly paid, gifts, follows, coupon claims and lottery entries; every few minutes the host
explains another product, issues a coupon, runs a flash sale or a lottery.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

from app.platform import models as m

ET = m.EventType
HOST = m.Actor.model_construct(role=m.Role.HOST, token_id="t-host")
ASSISTANT = m.Actor.model_construct(role=m.Role.ASSISTANT, token_id="t-asst")

TEXTS = [
    "主播好！",
    "这个有几个码？",
    "160斤穿什么码？",
    "什么时候发货？",
    "包邮吗？",
    "已拍",
    "扣1",
    "想要想要",
    "太好看了",
    "链接在哪？",
    "还有货吗？",
    "能便宜点吗",
    "颜色好正",
    "没货了怎么办",
    "质量怎么样？",
    "已下单，期待",
    "主播穿的是哪个颜色？",
    "来了来了",
    "支持主播",
    "这个面料舒服吗？",
]
NICKS = ["小", "大", "阿", "可爱的", "快乐", "甜甜", "追光", "星", "月", "风"]


def products(n: int = 24) -> list[m.Product]:
    return [
        m.Product.model_construct(
            id=f"p{i + 1}",
            title=f"商品{i + 1}号 · 秋冬新款",
            price_cents=1990 + 1000 * (i % 9),
            original_price_cents=None,
            stock=100_000,
            listed=True,
            sold=0,
            skus=[],
            selling_points=[],
            image_url=None,
        )
        for i in range(n)
    ]


def session_events(
    *,
    total: int = 2_000_000,
    hours: float = 4.0,
    t0: float = 1_760_000_000.0,
    seed: int = 7,
    n_products: int = 24,
) -> Iterator[list[m.Event]]:
    """Yields one list of events per simulated second, ``total`` events over ``hours``."""
    rnd = random.Random(seed)
    seconds = int(hours * 3600)
    per_s = total / seconds
    prods = products(n_products)
    stock = {p.id: p.stock for p in prods}
    seq = 0
    online = 20_000
    uv = 20_000
    likes = 0
    explaining: str | None = None
    coupon_n = lot_n = fs_n = order_n = 0
    open_orders: list[m.Order] = []
    lottery: m.Lottery | None = None
    entrants: list[str] = []
    session = m.Session.model_construct(
        id="s1", status="live", started_ts=t0, ended_ts=None, rtmp_url=None
    )

    def ev(ts: float, t: m.EventType, data: object) -> m.Event:
        nonlocal seq
        seq += 1
        return m.Event.model_construct(seq=seq, ts=ts, type=t, data=data)

    yield [ev(t0, ET.SESSION_STARTED, m.SessionData.model_construct(session=session, actor=HOST))]
    for s in range(seconds):
        base = t0 + s
        out: list[m.Event] = []
        online = max(500, online + rnd.randint(-150, 160))
        uv += rnd.randint(0, 30)
        out.append(ev(base, ET.VIEWERS, m.ViewersData.model_construct(online=online, uv=uv)))
        if s % 180 == 5:
            pid = prods[(s // 180) % len(prods)].id
            if explaining:
                out.append(
                    ev(
                        base + 0.01,
                        ET.PRODUCT_EXPLAINING,
                        m.ProductExplainingData.model_construct(
                            product_id=explaining, explaining=False, actor=ASSISTANT
                        ),
                    )
                )
            explaining = pid
            out.append(
                ev(
                    base + 0.02,
                    ET.PRODUCT_EXPLAINING,
                    m.ProductExplainingData.model_construct(
                        product_id=pid, explaining=True, actor=ASSISTANT
                    ),
                )
            )
        if s % 1200 == 60:
            coupon_n += 1
            cp = m.Coupon.model_construct(
                id=f"cp{coupon_n}",
                kind=m.CouponKind.THRESHOLD,
                name=f"满199减{20 + coupon_n}",
                threshold_cents=19900,
                amount_cents=2000,
                percent_off=None,
                quantity=500,
                claimed=0,
                used=0,
                per_user_limit=1,
                valid_seconds=600,
                product_ids=None,
                status="active",
                created_ts=base,
                ends_ts=base + 600,
            )
            out.append(
                ev(
                    base + 0.03,
                    ET.COUPON_ISSUED,
                    m.CouponData.model_construct(coupon=cp, actor=HOST),
                )
            )
        if s % 1800 == 900:
            lot_n += 1
            seed_b = rnd.randbytes(32)
            lottery = m.Lottery.model_construct(
                id=f"l{lot_n}",
                prize="保温杯",
                keyword="抽奖抽奖",
                winners=3,
                duration_seconds=120,
                eligibility="all",
                commitment=hashlib.sha256(seed_b).hexdigest(),
                status="open",
                starts_ts=base,
                ends_ts=base + 120,
                entrants=0,
                seed=seed_b.hex(),
            )
            entrants = []
            out.append(
                ev(
                    base + 0.04,
                    ET.LOTTERY_STARTED,
                    m.LotteryData.model_construct(
                        lottery=lottery.model_copy(update={"seed": None})
                    ),
                )
            )
        if s % 2400 == 1500:
            fs_n += 1
            pid = prods[fs_n % len(prods)].id
            fs = m.FlashSale.model_construct(
                id=f"fs{fs_n}",
                product_id=pid,
                price_cents=990,
                quantity=200,
                sold=0,
                status="active",
                starts_ts=base,
                ends_ts=base + 300,
            )
            out.append(
                ev(
                    base + 0.05,
                    ET.FLASH_SALE_STARTED,
                    m.FlashSaleData.model_construct(flash_sale=fs, actor=HOST),
                )
            )
        n = int(per_s) + (1 if rnd.random() < per_s - int(per_s) else 0) - len(out)
        for k in range(max(0, n)):
            ts = base + (k + 1) / (n + 1)
            r = rnd.random()
            uid = f"u{rnd.randint(1, 60_000)}"
            nick = rnd.choice(NICKS) + uid[1:]
            if r < 0.55:
                text = rnd.choice(TEXTS)
                if lottery is not None and ts <= lottery.ends_ts and rnd.random() < 0.2:
                    text = lottery.keyword
                    entrants.append(uid)
                c = m.Comment.model_construct(
                    id=f"c{seq + 1}",
                    user_id=uid,
                    nickname=nick,
                    text=text,
                    is_follower=rnd.random() < 0.3,
                    fan_level=rnd.randint(0, 10),
                    role="viewer",
                    ts=ts,
                )
                out.append(ev(ts, ET.COMMENT, m.CommentData.model_construct(comment=c)))
            elif r < 0.67:
                out.append(
                    ev(
                        ts,
                        ET.VIEWER_ENTER,
                        m.ViewerEnterData.model_construct(user_id=uid, nickname=nick),
                    )
                )
            elif r < 0.75:
                cnt = rnd.randint(1, 30)
                likes += cnt
                out.append(
                    ev(
                        ts,
                        ET.LIKE,
                        m.LikeData.model_construct(user_id=None, count=cnt, total=likes),
                    )
                )
            elif r < 0.81:
                pid = explaining if explaining and rnd.random() < 0.7 else rnd.choice(prods).id
                p = prods[int(pid[1:]) - 1]
                q = 1 if rnd.random() < 0.85 else 2
                stock[pid] -= q
                order_n += 1
                o = m.Order.model_construct(
                    id=f"o{order_n}",
                    user_id=uid,
                    nickname=nick,
                    product_id=pid,
                    product_title=p.title,
                    sku_id=None,
                    sku_name=None,
                    quantity=q,
                    unit_price_cents=p.price_cents,
                    amount_cents=q * p.price_cents,
                    status="created",
                    coupon_id=None,
                    flash_sale_id=None,
                    created_ts=ts,
                    seq=seq + 1,
                )
                open_orders.append(o)
                out.append(ev(ts, ET.ORDER_CREATED, m.OrderData.model_construct(order=o)))
            elif r < 0.86 and open_orders:
                o = open_orders.pop(0)
                paid = o.model_copy(update={"status": "paid", "seq": seq + 1})
                out.append(ev(ts, ET.ORDER_PAID, m.OrderData.model_construct(order=paid)))
            elif r < 0.89:
                out.append(
                    ev(
                        ts,
                        ET.GIFT,
                        m.GiftData.model_construct(
                            user_id=uid, nickname=nick, gift="小心心", count=1, value_cents=10
                        ),
                    )
                )
            elif r < 0.91:
                out.append(
                    ev(ts, ET.FOLLOW, m.FollowData.model_construct(user_id=uid, nickname=nick))
                )
            elif r < 0.93 and coupon_n:
                out.append(
                    ev(
                        ts,
                        ET.COUPON_CLAIMED,
                        m.CouponClaimedData.model_construct(
                            coupon_id=f"cp{coupon_n}", user_id=uid, claimed=1, remaining=499
                        ),
                    )
                )
            else:
                text = rnd.choice(TEXTS)
                c = m.Comment.model_construct(
                    id=f"c{seq + 1}",
                    user_id=uid,
                    nickname=nick,
                    text=text,
                    is_follower=False,
                    fan_level=0,
                    role="viewer",
                    ts=ts,
                )
                out.append(ev(ts, ET.COMMENT, m.CommentData.model_construct(comment=c)))
        if s % 30 == 29 and explaining:
            p = prods[int(explaining[1:]) - 1]
            out.append(
                ev(
                    base + 0.999,
                    ET.PRODUCT_UPDATED,
                    m.ProductUpdatedData.model_construct(
                        product=p.model_copy(update={"stock": max(0, stock[explaining])})
                    ),
                )
            )
        if lottery is not None and lottery.status == "open" and base >= lottery.ends_ts:
            from app.live.lottery_verify import digest_of, recompute_winners

            ids = sorted(set(entrants))
            seed_b = bytes.fromhex(lottery.seed or "")
            winners = recompute_winners(seed_b, ids, lottery.winners)
            drawn = lottery.model_copy(
                update={
                    "status": "drawn",
                    "entrants": len(ids),
                    "participants_digest": digest_of(ids),
                    "participant_ids": ids,
                    "winner_ids": winners,
                    "winner_nicknames": winners,
                }
            )
            out.append(
                ev(
                    base + 0.998,
                    ET.LOTTERY_DRAWN,
                    m.LotteryData.model_construct(lottery=drawn, actor=HOST),
                )
            )
            lottery = None
        yield out
    end = session.model_copy(update={"status": "ended", "ended_ts": t0 + seconds})
    yield [
        ev(t0 + seconds, ET.SESSION_ENDED, m.SessionData.model_construct(session=end, actor=HOST))
    ]
