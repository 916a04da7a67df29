"""Who changed what: one line per operator action seen on the event stream, with before → after.

:func:`describe` turns an event that has an ``actor`` into :class:`TeamChange` entries, using the
room's state *before* the event is applied (so a price edit reads 「场控 改价 连衣裙 ¥199.00 →
¥179.00」). :class:`~app.live.room.LiveRoom` calls it at ingest for events with an actor and hands
the entries to ``subscribe_activity`` listeners once per batch. ``mine`` tells this console's own
actions (same token id) from a teammate's. Texts are plain text (user text is never markup),
one line, bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from app.format import yuan
from app.i18n import tr
from app.names import role_name
from app.platform import models as m


class LiveRoom(Protocol):
    """What of :class:`app.live.room.LiveRoom` a description reads (the room imports this
    module, so it names the room's shape instead of importing it)."""

    products: dict[str, m.Product]
    product_ids: list[str]
    adapter: Any
    role: str


MAX_TEXT = 160


@dataclass(frozen=True, slots=True)
class TeamChange:
    ts: float
    seq: int
    role: str  # the actor's role
    mine: bool  # this console's own action
    kind: str  # price, stock, original_price, listed, reorder, explain, coupon, … (stable ids)
    text: str  # one line for the operator, in the UI language
    before: str | None = None
    after: str | None = None


def _one_line(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title(room: LiveRoom, product_id: str) -> str:
    p = room.products.get(product_id)
    return _one_line(p.title if p is not None else product_id)


def describe(room: LiveRoom, ev: m.Event) -> list[TeamChange]:
    """The changes an operator's event makes, against the room's state before it is applied."""
    actor = ev.actor
    if actor is None:
        return []
    own = getattr(room.adapter, "token_id", None)
    mine = actor.token_id == own if own else actor.role.value == room.role
    who = role_name(actor.role.value)
    out: list[TeamChange] = []

    def add(kind: str, text: str, before: str | None = None, after: str | None = None) -> None:
        out.append(
            TeamChange(ev.ts, ev.seq, actor.role.value, mine, kind, text[:MAX_TEXT], before, after)
        )

    d = ev.data
    t = ev.type
    if isinstance(d, m.ProductUpdatedData):
        new, old = d.product, room.products.get(d.product.id)
        title = _one_line(new.title)
        if old is None:
            add("product", tr("{who} 添加商品 {title}").format(who=who, title=title))
            return out
        if old.price_cents != new.price_cents:
            a, b = yuan(old.price_cents), yuan(new.price_cents)
            add(
                "price",
                tr("{who} 改价 {title} {a} → {b}").format(who=who, title=title, a=a, b=b),
                a,
                b,
            )
        if old.original_price_cents != new.original_price_cents:
            a = yuan(old.original_price_cents) if old.original_price_cents else "—"
            b = yuan(new.original_price_cents) if new.original_price_cents else "—"
            add(
                "original_price",
                tr("{who} 改划线价 {title} {a} → {b}").format(who=who, title=title, a=a, b=b),
                a,
                b,
            )
        if old.stock != new.stock:
            a, b = str(old.stock), str(new.stock)
            add(
                "stock",
                tr("{who} 改库存 {title} {a} → {b}").format(who=who, title=title, a=a, b=b),
                a,
                b,
            )
        if old.listed != new.listed:
            text = tr("{who} 上架 {title}") if new.listed else tr("{who} 下架 {title}")
            add("listed", text.format(who=who, title=title))
    elif isinstance(d, m.ProductsReorderedData):
        before = list(room.product_ids)
        after = [pid for pid in d.product_ids if pid in room.products]
        moved = [
            (abs(before.index(p) - i), p, before.index(p), i)
            for i, p in enumerate(after)
            if p in before
        ]
        moved = [x for x in moved if x[0]]
        if moved:
            _, pid, was, now = max(moved, key=lambda x: (x[0], -x[3]))
            add(
                "reorder",
                tr("{who} 调整排品 {title} 第 {a} 位 → 第 {b} 位").format(
                    who=who, title=_title(room, pid), a=was + 1, b=now + 1
                ),
                str(was + 1),
                str(now + 1),
            )
    elif isinstance(d, m.ProductExplainingData):
        if d.explaining:
            add(
                "explain",
                tr("{who} 开始讲解 {title}").format(who=who, title=_title(room, d.product_id)),
            )
        else:
            add(
                "explain",
                tr("{who} 停止讲解 {title}").format(who=who, title=_title(room, d.product_id)),
            )
    elif isinstance(d, m.CouponData):
        name = _one_line(d.coupon.name or d.coupon.id)
        if t == m.EventType.COUPON_ISSUED:
            add("coupon", tr("{who} 发券 {name}").format(who=who, name=name))
        else:
            add("coupon", tr("{who} 结束优惠券 {name}").format(who=who, name=name))
    elif isinstance(d, m.FlashSaleData):
        fs = d.flash_sale
        title = _title(room, fs.product_id)
        if t == m.EventType.FLASH_SALE_ENDED:
            add("flash_sale", tr("{who} 结束秒杀 {title}").format(who=who, title=title))
        elif t in (m.EventType.FLASH_SALE_STARTED, m.EventType.FLASH_SALE_SCHEDULED):
            add(
                "flash_sale",
                tr("{who} 秒杀 {title} {price} × {n}").format(
                    who=who, title=title, price=yuan(fs.price_cents), n=fs.quantity
                ),
            )
    elif isinstance(d, m.LotteryData):
        prize = _one_line(d.lottery.prize)
        if t == m.EventType.LOTTERY_STARTED:
            add("lottery", tr("{who} 发起福袋 {prize}").format(who=who, prize=prize))
        elif t == m.EventType.LOTTERY_DRAWN:
            add("lottery", tr("{who} 开奖 {prize}").format(who=who, prize=prize))
    elif isinstance(d, m.CommentPinnedData):
        if d.comment is None:
            add("pin", tr("{who} 取消置顶").format(who=who))
        else:
            add("pin", tr("{who} 置顶评论：{text}").format(who=who, text=_one_line(d.comment.text)))
    elif isinstance(d, m.CommentHiddenData):
        add("hide", tr("{who} 隐藏了一条评论").format(who=who))
    elif isinstance(d, m.UserMutedData):
        add(
            "mute", tr("{who} 禁言 {name}").format(who=who, name=_one_line(d.nickname or d.user_id))
        )
    elif isinstance(d, m.CommentData):
        add("comment", tr("{who} 发言：{text}").format(who=who, text=_one_line(d.comment.text, 40)))
    elif isinstance(d, m.SessionData):
        if t == m.EventType.SESSION_STARTED:
            add("session", tr("{who} 开播").format(who=who))
        else:
            add("session", tr("{who} 下播").format(who=who))
    return out
