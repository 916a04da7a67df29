"""Who changed what: one line per operator action seen on the event stream, with before → after.

:func:`describe` turns an event that has an ``actor`` into :class:`TeamChange` entries, using the
room's state *before* the event is applied (so a price edit reads 「场控 改价 连衣裙 ¥199.00 →
¥179.00」). :class:`~app.live.room.LiveRoom` calls it at ingest for events with an actor and hands
the entries to ``subscribe_activity`` listeners once per batch. ``mine`` tells this console's own
actions (same token id) from a teammate's. Texts are plain text (user text is never markup),
one line, bounded.

Each entry also names its action with a stable id (``action``: ``price``, ``explain_stop``,
``unmute`` … — :data:`ACTIONS`), what it acted on (``subject``: a product's title, a coupon's
name, a viewer's nickname) and the operator's token id, so a recording can keep it in a neutral
form and say it again in any language (:mod:`app.session.actions`).
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
    action: str = ""  # stable id, finer than kind (explain_start / explain_stop …): ACTIONS
    subject: str = ""  # what was acted on: a product's title, a coupon's name, a nickname …
    token_id: str = ""  # the operator's token id (tells two operators of one role apart)


#: every ``TeamChange.action`` → its kind (the feed's grouping)
ACTIONS: dict[str, str] = {
    "product_added": "product",
    "price": "price",
    "original_price": "original_price",
    "stock": "stock",
    "listed": "listed",
    "unlisted": "listed",
    "reorder": "reorder",
    "explain_start": "explain",
    "explain_stop": "explain",
    "coupon_issued": "coupon",
    "coupon_ended": "coupon",
    "flash_sale": "flash_sale",
    "flash_sale_ended": "flash_sale",
    "lottery_started": "lottery",
    "lottery_drawn": "lottery",
    "pin": "pin",
    "unpin": "pin",
    "hide": "hide",
    "mute": "mute",
    "unmute": "mute",
    "comment": "comment",
    "session_started": "session",
    "session_ended": "session",
}


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

    def add(
        action: str,
        text: str,
        before: str | None = None,
        after: str | None = None,
        subject: str = "",
    ) -> None:
        out.append(
            TeamChange(
                ev.ts,
                ev.seq,
                actor.role.value,
                mine,
                ACTIONS[action],
                text[:MAX_TEXT],
                before,
                after,
                action,
                subject[:MAX_TEXT],
                actor.token_id,
            )
        )

    d = ev.data
    t = ev.type
    if isinstance(d, m.ProductUpdatedData):
        new, old = d.product, room.products.get(d.product.id)
        title = _one_line(new.title)
        if old is None:
            add(
                "product_added",
                tr("{who} 添加商品 {title}").format(who=who, title=title),
                None,
                None,
                title,
            )
            return out
        if old.price_cents != new.price_cents:
            a, b = yuan(old.price_cents), yuan(new.price_cents)
            text = tr("{who} 改价 {title} {a} → {b}").format(who=who, title=title, a=a, b=b)
            add("price", text, a, b, title)
        if old.original_price_cents != new.original_price_cents:
            a = yuan(old.original_price_cents) if old.original_price_cents else "—"
            b = yuan(new.original_price_cents) if new.original_price_cents else "—"
            text = tr("{who} 改划线价 {title} {a} → {b}").format(who=who, title=title, a=a, b=b)
            add("original_price", text, a, b, title)
        if old.stock != new.stock:
            a, b = str(old.stock), str(new.stock)
            text = tr("{who} 改库存 {title} {a} → {b}").format(who=who, title=title, a=a, b=b)
            add("stock", text, a, b, title)
        if old.listed != new.listed:
            if new.listed:
                add(
                    "listed",
                    tr("{who} 上架 {title}").format(who=who, title=title),
                    None,
                    None,
                    title,
                )
            else:
                add(
                    "unlisted",
                    tr("{who} 下架 {title}").format(who=who, title=title),
                    None,
                    None,
                    title,
                )
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
            title = _title(room, pid)
            text = tr("{who} 调整排品 {title} 第 {a} 位 → 第 {b} 位").format(
                who=who, title=title, a=was + 1, b=now + 1
            )
            add("reorder", text, str(was + 1), str(now + 1), title)
    elif isinstance(d, m.ProductExplainingData):
        title = _title(room, d.product_id)
        if d.explaining:
            add(
                "explain_start",
                tr("{who} 开始讲解 {title}").format(who=who, title=title),
                None,
                None,
                title,
            )
        else:
            add(
                "explain_stop",
                tr("{who} 停止讲解 {title}").format(who=who, title=title),
                None,
                None,
                title,
            )
    elif isinstance(d, m.CouponData):
        name = _one_line(d.coupon.name or d.coupon.id)
        if t == m.EventType.COUPON_ISSUED:
            add(
                "coupon_issued",
                tr("{who} 发券 {name}").format(who=who, name=name),
                None,
                None,
                name,
            )
        else:
            add(
                "coupon_ended",
                tr("{who} 结束优惠券 {name}").format(who=who, name=name),
                None,
                None,
                name,
            )
    elif isinstance(d, m.FlashSaleData):
        fs = d.flash_sale
        title = _title(room, fs.product_id)
        if t == m.EventType.FLASH_SALE_ENDED:
            add(
                "flash_sale_ended",
                tr("{who} 结束秒杀 {title}").format(who=who, title=title),
                None,
                None,
                title,
            )
        elif t in (m.EventType.FLASH_SALE_STARTED, m.EventType.FLASH_SALE_SCHEDULED):
            p = room.products.get(fs.product_id)
            text = tr("{who} 秒杀 {title} {price} × {n}").format(
                who=who, title=title, price=yuan(fs.price_cents), n=fs.quantity
            )
            regular = yuan(p.price_cents) if p is not None else None
            add("flash_sale", text, regular, f"{yuan(fs.price_cents)} × {fs.quantity}", title)
    elif isinstance(d, m.LotteryData):
        prize = _one_line(d.lottery.prize)
        if t == m.EventType.LOTTERY_STARTED:
            add(
                "lottery_started",
                tr("{who} 发起福袋 {prize}").format(who=who, prize=prize),
                None,
                None,
                prize,
            )
        elif t == m.EventType.LOTTERY_DRAWN:
            add(
                "lottery_drawn",
                tr("{who} 开奖 {prize}").format(who=who, prize=prize),
                None,
                None,
                prize,
            )
    elif isinstance(d, m.CommentPinnedData):
        if d.comment is None:
            add("unpin", tr("{who} 取消置顶").format(who=who))
        else:
            text = _one_line(d.comment.text)
            add("pin", tr("{who} 置顶评论：{text}").format(who=who, text=text), None, None, text)
    elif isinstance(d, m.CommentHiddenData):
        add("hide", tr("{who} 隐藏了一条评论").format(who=who))
    elif isinstance(d, m.UserMutedData):
        name = _one_line(d.nickname or d.user_id)
        # how long, language-neutral: seconds, "session" (本场) or "forever" (永久)
        span = str(d.seconds) if d.seconds else ("session" if d.session_id else "forever")
        add("mute", tr("{who} 禁言 {name}").format(who=who, name=name), None, span, name)
    elif isinstance(d, m.UserUnmutedData):
        name = _one_line(d.nickname or d.user_id)
        add("unmute", tr("{who} 解除禁言 {name}").format(who=who, name=name), None, None, name)
    elif isinstance(d, m.CommentData):
        text = _one_line(d.comment.text, 40)
        add("comment", tr("{who} 发言：{text}").format(who=who, text=text), None, None, text)
    elif isinstance(d, m.SessionData):
        if t == m.EventType.SESSION_STARTED:
            add("session_started", tr("{who} 开播").format(who=who))
        else:
            add("session_ended", tr("{who} 下播").format(who=who))
    return out
