"""Operator input for a product's price and stock, checked before anything is sent.

Prices are typed in the room's currency (``129``, ``129.9``, ``¥129.90``, ``$129.90``) and sent as
integer minor units of it (分, cents; a yen is its own minor unit: ``1500`` JPY is 1500).
Messages are translated with ``tr`` when raised.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from app.format import minor_digits, money, money_plain, money_symbol
from app.platform.models import DEFAULT_CURRENCY
from ui.i18n import tr

#: ¥1,000,000.00, $1,000,000.00 (¥100,000,000 JPY): anything above is a typo on a live stage
MAX_PRICE_CENTS = 100_000_000
MAX_STOCK = 10_000_000

_PRICE = re.compile(r"^\d+(\.\d*)?$|^\.\d+$")


class InputError(ValueError):
    """Refused input; ``str(exc)`` is the message for the operator (already translated)."""


def parse_price(text: str, currency: str = DEFAULT_CURRENCY) -> int:
    """``"129.9"`` → ``12990`` (USD, CNY…), ``"1,500"`` → ``1500`` (JPY): the price in the
    currency's minor units (:func:`app.format.minor_digits`). The currency's symbol or code may
    be typed. Refuses empty, non-numbers, ≤ 0, more decimals than the currency has, huge."""
    s = text.strip().replace(",", "").replace("，", "").strip()
    for mark in (money_symbol(currency), currency, *(("¥", "￥") if currency == "CNY" else ())):
        if mark:
            s = s.removeprefix(mark).removesuffix(mark).strip()
    if not s:
        raise InputError(tr("请填写价格"))
    negative = s.startswith("-")
    digits = s[1:].strip() if negative else s
    if not _PRICE.match(digits):
        # "-5abc" is not a number at all: say that, not "must be above 0"
        raise InputError(
            tr("价格格式不对，请输入数字，如 {example}").format(example=price_example(currency))
        )
    if negative:
        raise InputError(tr("价格必须大于 0"))
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise InputError(
            tr("价格格式不对，请输入数字，如 {example}").format(example=price_example(currency))
        ) from None
    n = minor_digits(currency)
    if value != value.quantize(Decimal(1).scaleb(-n)):
        if currency == "CNY":
            raise InputError(tr("价格最多两位小数（精确到分）"))
        if n == 0:
            raise InputError(tr("{currency} 没有小数，请输入整数").format(currency=currency))
        raise InputError(tr("价格最多 {n} 位小数").format(n=n))
    cents = int(value.scaleb(n))
    if cents <= 0:
        raise InputError(tr("价格必须大于 0"))
    if cents > MAX_PRICE_CENTS:
        raise InputError(
            tr("价格过高：不能超过 {max}").format(max=money(MAX_PRICE_CENTS, currency))
        )
    return cents


def price_example(currency: str = DEFAULT_CURRENCY) -> str:
    """What a price of this currency is typed like: ``"129.90"``, ``"1500"`` (JPY)."""
    return money_plain(12990 if minor_digits(currency) == 2 else 1500, currency)


def parse_stock(text: str) -> int:
    """``"320"`` → ``320``. Refuses empty, decimals, negatives, huge."""
    s = text.strip().replace(",", "").replace("，", "")
    if not s:
        raise InputError(tr("请填写库存"))
    if s.startswith("-"):
        raise InputError(tr("库存不能为负数"))
    if not s.isdigit():
        raise InputError(tr("库存必须是整数"))
    stock = int(s)
    if stock > MAX_STOCK:
        raise InputError(tr("库存过大：不能超过 10,000,000"))
    return stock
