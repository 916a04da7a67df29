"""Typing a price in the room's currency (ui/products/validation.py): parsed into the currency's
minor units, with its symbol or code allowed, and refused with the currency's own rules."""

from __future__ import annotations

import pytest

from app.i18n import set_language
from ui.products.validation import InputError, parse_price, price_example


@pytest.fixture(autouse=True)
def _chinese() -> None:
    set_language("zh_CN")


@pytest.mark.parametrize(
    ("text", "currency", "cents"),
    [
        ("129.9", "CNY", 12990),
        ("¥129.90", "CNY", 12990),
        ("￥1,299", "CNY", 129900),
        ("89", "USD", 8900),
        ("$89.50", "USD", 8950),
        ("89.50 USD", "USD", 8950),
        ("€1234.5", "EUR", 123450),
        ("1,500", "JPY", 1500),  # a yen is its own minor unit
        ("JP¥1500", "JPY", 1500),
        ("1.234", "KWD", 1234),  # three minor digits
    ],
)
def test_a_price_is_read_in_the_currencys_minor_units(text: str, currency: str, cents: int) -> None:
    assert parse_price(text, currency) == cents


def test_more_decimals_than_the_currency_has_are_refused_with_its_rule() -> None:
    with pytest.raises(InputError, match="两位小数"):
        parse_price("1.999", "CNY")
    with pytest.raises(InputError, match="最多 2 位小数"):
        parse_price("1.999", "USD")
    with pytest.raises(InputError, match="JPY 没有小数"):
        parse_price("1500.5", "JPY")


def test_the_ceiling_and_the_example_are_said_in_the_currency() -> None:
    with pytest.raises(InputError, match=r"\$1,000,000\.00"):
        parse_price("1000000.01", "USD")
    with pytest.raises(InputError, match="如 1500"):
        parse_price("abc", "JPY")
    assert price_example("USD") == "129.90" and price_example("JPY") == "1500"
