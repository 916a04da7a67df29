"""Guardrails for money typed live: when a price change needs the operator's confirmation, and
undoing the last price/stock edit of this console.

Guarantees (pure functions and data, no widgets; the UI asks and sends); amounts are written in
the room's currency (``currency``, CNY when not given):
- :func:`price_risk` says why a new price needs a second look: more than ``max_drop_percent``
  below the current price, or below the price this console first saw for the product (the
  show's starting price: small cuts that add up count too) — a setting,
  ``ui.price_drop_confirm_percent``, 30 by default. A price at or below a running/scheduled
  flash sale's price is not a question but a refusal (:func:`flash_floor_problem`): the platform
  refuses it anyway, so nothing is sent.
- :class:`UndoLog` keeps the last edit made on this console for :data:`UNDO_SECONDS`.
  :func:`undo_patch` works out what to send back and refuses (:class:`UndoRefused`, a message
  for the operator) when someone changed the product since: a price that is no longer the one
  this console set, or stock edited by someone else (orders and refunds move ``stock`` and
  ``sold`` together and do not count; the restored stock keeps the units sold since).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.format import money
from app.i18n import tr
from app.platform import models as m

DEFAULT_MAX_DROP_PERCENT = 30
UNDO_SECONDS = 10.0


def drop_percent(old_cents: int, new_cents: int) -> int:
    """How far ``new`` is below ``old``, in whole percent (0 for a rise); 399 → 3.59 is 99."""
    if old_cents <= 0 or new_cents >= old_cents:
        return 0
    return int((old_cents - new_cents) * 100 // old_cents)


def drops_more_than(old_cents: int, new_cents: int, percent: int) -> bool:
    """Exactly: is ``new`` more than ``percent`` % below ``old``? (no rounding at the limit)"""
    return old_cents > 0 and (old_cents - new_cents) * 100 > percent * old_cents


@dataclass(frozen=True, slots=True)
class PriceRisk:
    """Why a new price needs the operator's confirmation (at least one reason)."""

    old_cents: int
    new_cents: int
    reasons: tuple[str, ...]
    currency: str = m.DEFAULT_CURRENCY

    @property
    def change_text(self) -> str:
        """「¥399.00 → ¥3.59（降价 99%）」"""
        return tr("{old} → {new}（降价 {pct}%）").format(
            old=money(self.old_cents, self.currency),
            new=money(self.new_cents, self.currency),
            pct=drop_percent(self.old_cents, self.new_cents),
        )


def price_risk(
    product: m.Product,
    new_cents: int,
    *,
    start_cents: int | None = None,
    max_drop_percent: int = DEFAULT_MAX_DROP_PERCENT,
    currency: str = m.DEFAULT_CURRENCY,
) -> PriceRisk | None:
    """None when ``new_cents`` may go out without asking; else the reasons to ask.

    ``start_cents`` is the price this console first saw for the product (the show's starting
    price): several small cuts that add up to more than the limit ask too. The crossed-out
    ``original_price_cents`` is not a baseline: a live price is routinely 30–50 % below it.
    """
    reasons: list[str] = []
    limit = max(0, min(100, max_drop_percent))
    now = drop_percent(product.price_cents, new_cents)
    if drops_more_than(product.price_cents, new_cents, limit):
        reasons.append(
            tr("比当前价 {old} 低 {pct}%（超过 {limit}% 需确认）").format(
                old=money(product.price_cents, currency), pct=now, limit=limit
            )
        )
    if start_cents and start_cents != product.price_cents:
        since_start = drop_percent(start_cents, new_cents)
        if drops_more_than(start_cents, new_cents, limit):
            reasons.append(
                tr("比开场价 {old} 低 {pct}%（超过 {limit}% 需确认）").format(
                    old=money(start_cents, currency), pct=since_start, limit=limit
                )
            )
    if not reasons:
        return None
    return PriceRisk(product.price_cents, new_cents, tuple(reasons), currency)


def flash_floor(flash_sales: dict[str, m.FlashSale], product_id: str) -> int | None:
    """The price of the product's scheduled or running flash sale (None: none)."""
    for sale in flash_sales.values():
        if sale.product_id == product_id and sale.status in ("active", "scheduled"):
            return sale.price_cents
    return None


def flash_floor_problem(
    floor: int | None, new_cents: int, currency: str = m.DEFAULT_CURRENCY
) -> str:
    """'' when fine; the refusal when ``new_cents`` is at or below a flash sale's price."""
    if floor is None or new_cents > floor:
        return ""
    return tr("售价须高于秒杀价 {flash}（请先结束秒杀）").format(flash=money(floor, currency))


# --- undo ----------------------------------------------------------------------------------------
class UndoRefused(Exception):
    """The undo was not sent; ``str(exc)`` says why (for the operator)."""


@dataclass(frozen=True, slots=True)
class ProductEdit:
    """One price/stock edit this console made: the product before, and as the platform
    answered right after (``after``)."""

    before: m.Product
    after: m.Product
    at: float = field(default_factory=time.monotonic)
    currency: str = m.DEFAULT_CURRENCY  # of the prices (the room's)

    @property
    def product_id(self) -> str:
        return self.after.id

    @property
    def price_changed(self) -> bool:
        return self.before.price_cents != self.after.price_cents

    @property
    def stock_changed(self) -> bool:
        return self.before.stock != self.after.stock

    def summary(self) -> str:
        """「已改价 ¥399.00 → ¥359.00」, 「已改库存 320 → 300」 or both."""
        b, a = self.before, self.after
        price = f"{money(b.price_cents, self.currency)} → {money(a.price_cents, self.currency)}"
        stock = f"{b.stock} → {a.stock}"
        if self.price_changed and self.stock_changed:
            return tr("已改价 {price}，库存 {stock}").format(price=price, stock=stock)
        if self.price_changed:
            return tr("已改价 {price}").format(price=price)
        return tr("已改库存 {stock}").format(stock=stock)


def undo_patch(edit: ProductEdit, current: m.Product | None) -> dict[str, int]:
    """The change that takes ``current`` back to before ``edit`` (price_cents / stock)."""
    if current is None:
        raise UndoRefused(tr("商品已不在购物袋中，无法撤销"))
    title = current.title
    patch: dict[str, int] = {}
    if edit.price_changed:
        if current.price_cents != edit.after.price_cents:
            raise UndoRefused(
                tr("「{title}」的价格已被改为 {now}，未撤销（以免覆盖他人的修改）").format(
                    title=title, now=money(current.price_cents, edit.currency)
                )
            )
        patch["price_cents"] = edit.before.price_cents
    if edit.stock_changed:
        # orders and refunds move stock and sold together; anything else is someone's edit
        if current.stock + current.sold != edit.after.stock + edit.after.sold:
            raise UndoRefused(
                tr("「{title}」的库存已被其他人修改（现为 {now}），未撤销").format(
                    title=title, now=current.stock
                )
            )
        sold_since = current.sold - edit.after.sold
        patch["stock"] = max(0, edit.before.stock - sold_since)
    if not patch:
        raise UndoRefused(tr("没有可撤销的修改"))
    return patch


class UndoLog:
    """The last price/stock edit of this console, undoable for ``seconds``."""

    def __init__(
        self, seconds: float = UNDO_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: ProductEdit | None = None

    def record(self, edit: ProductEdit) -> None:
        self._last = edit

    def last(self) -> ProductEdit | None:
        """The edit that can still be undone (None: none, or its time is up)."""
        edit = self._last
        if edit is not None and self.clock() - edit.at > self.seconds:
            self._last = None
            return None
        return edit

    def take(self) -> ProductEdit | None:
        edit = self.last()
        self._last = None
        return edit
