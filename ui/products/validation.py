"""Operator input for a product's price and stock, checked before anything is sent.

Prices are typed in yuan (``129``, ``129.9``, ``¥129.90``) and sent as integer cents.
Messages are translated with ``tr`` when raised.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ui.i18n import tr

MAX_PRICE_CENTS = 100_000_000  # ¥1,000,000.00: anything above is a typo on a live-commerce stage
MAX_STOCK = 10_000_000

_PRICE = re.compile(r"^\d+(\.\d*)?$|^\.\d+$")


class InputError(ValueError):
    """Refused input; ``str(exc)`` is the message for the operator (already translated)."""


def parse_price_yuan(text: str) -> int:
    """``"129.9"`` → ``12990``. Refuses empty, non-numbers, ≤ 0, more than 2 decimals, huge."""
    s = text.strip().replace(",", "").replace("，", "").lstrip("¥￥").strip()
    if not s:
        raise InputError(tr("请填写价格"))
    negative = s.startswith("-")
    digits = s[1:].strip() if negative else s
    if not _PRICE.match(digits):
        # "-5abc" is not a number at all: say that, not "must be above 0"
        raise InputError(tr("价格格式不对，请输入数字，如 129.90"))
    if negative:
        raise InputError(tr("价格必须大于 0"))
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise InputError(tr("价格格式不对，请输入数字，如 129.90")) from None
    if value != value.quantize(Decimal("0.01")):
        raise InputError(tr("价格最多两位小数（精确到分）"))
    cents = int(value * 100)
    if cents <= 0:
        raise InputError(tr("价格必须大于 0"))
    if cents > MAX_PRICE_CENTS:
        raise InputError(tr("价格过高：不能超过 ¥1,000,000"))
    return cents


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
