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

from app.format import money
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
    currency: str  # of the catalogue (prices)
    gift_currency: str  # of the chat platform's money (red envelopes)


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
    "red_envelope_started": "red_envelope",
    "red_envelope_ended": "red_envelope",
    "stock_reserved": "reservation",
    "stock_released": "reservation",
    "team_review": "team_review",
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
    explain = _DESCRIBE.get(type(ev.data))
    if explain is None:
        return []
    # a room made of two sources has this console's token on each (app/platform/composite.py)
    owns = getattr(room.adapter, "own_token_ids", None) or ()
    own = getattr(room.adapter, "token_id", None)
    if owns:
        mine = actor.token_id in owns
    else:
        mine = actor.token_id == own if own else actor.role.value == room.role
    say = _Say(ev, actor, mine)
    explain(room, ev, say)
    return say.out


class _Say:
    """Collects one event's :class:`TeamChange` entries: ``who`` is the actor's role in the UI
    language; each entry's text is a whole ``tr()`` template filled with ``who`` and its fields."""

    def __init__(self, ev: m.Event, actor: m.Actor, mine: bool) -> None:
        self.ev, self.actor, self.mine = ev, actor, mine
        self.who = role_name(actor.role.value)
        self.out: list[TeamChange] = []

    def __call__(
        self,
        action: str,
        template: str,
        subject: str = "",
        before: str | None = None,
        after: str | None = None,
        **fields: object,
    ) -> None:
        text = template.format(who=self.who, **fields)
        ev, actor = self.ev, self.actor
        self.out.append(
            TeamChange(
                ev.ts,
                ev.seq,
                actor.role.value,
                self.mine,
                ACTIONS[action],
                text[:MAX_TEXT],
                before,
                after,
                action,
                subject[:MAX_TEXT],
                actor.token_id,
            )
        )


def _product(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.ProductUpdatedData = ev.data
    new, old = d.product, room.products.get(d.product.id)
    title = _one_line(new.title)
    if old is None:
        say("product_added", tr("{who} 添加商品 {title}"), title, title=title)
        return
    if old.price_cents != new.price_cents:
        a, b = money(old.price_cents, room.currency), money(new.price_cents, room.currency)
        say("price", tr("{who} 改价 {title} {a} → {b}"), title, a, b, title=title, a=a, b=b)
    if old.original_price_cents != new.original_price_cents:
        a = money(old.original_price_cents, room.currency) if old.original_price_cents else "—"
        b = money(new.original_price_cents, room.currency) if new.original_price_cents else "—"
        template = tr("{who} 改划线价 {title} {a} → {b}")
        say("original_price", template, title, a, b, title=title, a=a, b=b)
    if old.stock != new.stock:
        a, b = str(old.stock), str(new.stock)
        say("stock", tr("{who} 改库存 {title} {a} → {b}"), title, a, b, title=title, a=a, b=b)
    if old.listed != new.listed:
        if new.listed:
            say("listed", tr("{who} 上架 {title}"), title, title=title)
        else:
            say("unlisted", tr("{who} 下架 {title}"), title, title=title)


def _reordered(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.ProductsReorderedData = ev.data
    before = list(room.product_ids)
    after = [pid for pid in d.product_ids if pid in room.products]
    moved = [
        (abs(before.index(p) - i), p, before.index(p), i)
        for i, p in enumerate(after)
        if p in before
    ]
    moved = [x for x in moved if x[0]]
    if moved:  # the product that moved furthest (the one the operator dragged)
        _, pid, was, now = max(moved, key=lambda x: (x[0], -x[3]))
        title = _title(room, pid)
        template = tr("{who} 调整排品 {title} 第 {a} 位 → 第 {b} 位")
        say(
            "reorder",
            template,
            title,
            str(was + 1),
            str(now + 1),
            title=title,
            a=was + 1,
            b=now + 1,
        )


def _explaining(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.ProductExplainingData = ev.data
    title = _title(room, d.product_id)
    if d.explaining:
        say("explain_start", tr("{who} 开始讲解 {title}"), title, title=title)
    else:
        say("explain_stop", tr("{who} 停止讲解 {title}"), title, title=title)


def _coupon(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.CouponData = ev.data
    name = _one_line(d.coupon.name or d.coupon.id)
    if ev.type == m.EventType.COUPON_ISSUED:
        say("coupon_issued", tr("{who} 发券 {name}"), name, name=name)
    else:
        say("coupon_ended", tr("{who} 结束优惠券 {name}"), name, name=name)


def _flash_sale(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    fs = ev.data.flash_sale
    title = _title(room, fs.product_id)
    if ev.type == m.EventType.FLASH_SALE_ENDED:
        say("flash_sale_ended", tr("{who} 结束秒杀 {title}"), title, title=title)
    elif ev.type in (m.EventType.FLASH_SALE_STARTED, m.EventType.FLASH_SALE_SCHEDULED):
        p = room.products.get(fs.product_id)
        price = money(fs.price_cents, room.currency)
        regular = money(p.price_cents, room.currency) if p is not None else None
        template = tr("{who} 秒杀 {title} {price} × {n}")
        sale = f"{price} × {fs.quantity}"
        say("flash_sale", template, title, regular, sale, title=title, price=price, n=fs.quantity)


def _lottery(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    prize = _one_line(ev.data.lottery.prize)
    if ev.type == m.EventType.LOTTERY_STARTED:
        say("lottery_started", tr("{who} 发起福袋 {prize}"), prize, prize=prize)
    elif ev.type == m.EventType.LOTTERY_DRAWN:
        say("lottery_drawn", tr("{who} 开奖 {prize}"), prize, prize=prize)


def _pinned(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.CommentPinnedData = ev.data
    if d.comment is None:
        say("unpin", tr("{who} 取消置顶"))
    else:
        text = _one_line(d.comment.text)
        say("pin", tr("{who} 置顶评论：{text}"), text, text=text)


def _hidden(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    say("hide", tr("{who} 隐藏了一条评论"))


def _muted(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.UserMutedData = ev.data
    name = _one_line(d.nickname or d.user_id)
    # how long, language-neutral: seconds, "session" (本场) or "forever" (永久)
    span = str(d.seconds) if d.seconds else ("session" if d.session_id else "forever")
    say("mute", tr("{who} 禁言 {name}"), name, None, span, name=name)


def _unmuted(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.UserUnmutedData = ev.data
    name = _one_line(d.nickname or d.user_id)
    say("unmute", tr("{who} 解除禁言 {name}"), name, name=name)


def _comment(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    text = _one_line(ev.data.comment.text, 40)
    say("comment", tr("{who} 发言：{text}"), text, text=text)


def _session(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    if ev.type == m.EventType.SESSION_STARTED:
        say("session_started", tr("{who} 开播"))
    else:
        say("session_ended", tr("{who} 下播"))


def _rain(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    rain: m.RedEnvelopeRain = ev.data.red_envelope
    amount = f"{money(rain.total_cents, room.gift_currency)} × {rain.count}"
    label = f"{_one_line(rain.title)} {amount}" if rain.title else amount
    if ev.type == m.EventType.RED_ENVELOPE_ENDED:
        say("red_envelope_ended", tr("{who} 结束红包雨 {label}"), label, label=label)
    else:
        say("red_envelope_started", tr("{who} 发红包雨 {label}"), label, label=label)


def _reservation(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    res: m.Reservation = ev.data.reservation
    title = _title(room, res.product_id)
    if ev.type == m.EventType.STOCK_RESERVED:
        say("stock_reserved", tr("{who} 冻结库存 {title} × {n}"), title, title=title,
            n=res.quantity)  # fmt: skip
    elif ev.type == m.EventType.STOCK_RELEASED:
        say("stock_released", tr("{who} 释放冻结库存 {title} × {n}"), title, title=title,
            n=res.released)  # fmt: skip
    # reservation_updated with an actor: a promotion was made on it (that promotion says so)


def _weights(review: dict[str, Any]) -> str | None:
    """A replay-score setting's weights, 「50 / 30 / 20」 (GMV / conversion / interaction)."""
    parts = [review.get(k) for k in ("weight_gmv", "weight_conversion", "weight_interaction")]
    return None if None in parts else " / ".join(str(x) for x in parts)


def _team_review(room: LiveRoom, ev: m.Event, say: _Say) -> None:
    d: m.TeamReviewChangedData = ev.data
    before = getattr(room, "team_review", None)
    after = _weights(d.review)
    say("team_review", tr("{who} 修改团队评分设置（权重 成交额/转化率/互动率 {w}）"),
        before=_weights(before.model_dump()) if before is not None else None, after=after,
        w=after or "?")  # fmt: skip


#: the events an operator causes, by their data's type → what they changed
_DESCRIBE: dict[type, Any] = {
    m.ProductUpdatedData: _product,
    m.ProductsReorderedData: _reordered,
    m.ProductExplainingData: _explaining,
    m.CouponData: _coupon,
    m.FlashSaleData: _flash_sale,
    m.LotteryData: _lottery,
    m.RedEnvelopeData: _rain,
    m.ReservationData: _reservation,
    m.CommentPinnedData: _pinned,
    m.CommentHiddenData: _hidden,
    m.UserMutedData: _muted,
    m.UserUnmutedData: _unmuted,
    m.CommentData: _comment,
    m.SessionData: _session,
    m.TeamReviewChangedData: _team_review,
}
