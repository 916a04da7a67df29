"""Money as people read it, per currency (app/format.py): the symbol, thousands, and the ISO 4217
minor units — "cents" are the currency's minor units, so 1500 JPY is ¥1,500, not ¥15.00."""

from __future__ import annotations

import pytest

from app.format import minor_digits, money, money_plain, money_short


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (123456, "CNY", "¥1,234.56"),
        (123456, "USD", "$1,234.56"),
        (123456, "EUR", "€1,234.56"),
        (123456, "GBP", "£1,234.56"),
        (8900, "USD", "$89.00"),
        (5, "USD", "$0.05"),
        (0, "USD", "$0.00"),
        (-150, "EUR", "-€1.50"),
        (1500, "JPY", "JP¥1,500"),  # no minor unit: 1500 is ¥1,500
        (1234567, "KRW", "₩1,234,567"),
        (1234567, "KWD", "1,234.567 KWD"),  # three minor digits, no symbol: the code after
        (123456, "XYZ", "1,234.56 XYZ"),  # unknown: two digits, its code after
        (100_000_000_00, "CNY", "¥100,000,000.00"),
    ],
)
def test_money_reads_each_currency_with_its_symbol_and_minor_digits(
    cents: int, currency: str, text: str
) -> None:
    assert money(cents, currency) == text


def test_minor_digits_follow_iso_4217() -> None:
    assert [minor_digits(c) for c in ("CNY", "USD", "JPY", "KRW", "BHD", "KWD", "CLF")] == [
        2, 2, 0, 0, 3, 3, 4
    ]  # fmt: skip
    assert minor_digits("ZZZ") == 2  # not listed: 2, like most


def test_the_default_currency_is_cny() -> None:
    assert money(12990) == money(12990, "CNY") == "¥129.90"
    assert money(-150) == "-¥1.50"


def test_an_edit_box_holds_the_number_alone_in_the_currencys_digits() -> None:
    assert money_plain(12990, "USD") == "129.90"
    assert money_plain(1500, "JPY") == "1500"
    assert money_plain(1234567, "KWD") == "1234.567"
    assert money_plain(123456, "USD", grouped=True) == "1,234.56"


def test_the_overlay_short_form_has_the_symbol_and_no_trailing_zeros() -> None:
    assert money_short(12900) == "¥129"
    assert money_short(8900, "USD") == "$89"
    assert money_short(12950, "USD") == "$129.5"
    assert money_short(12999, "EUR") == "€129.99"
    assert money_short(1500, "JPY") == "JP¥1500"
    assert money_short(2000, "XYZ") == "20 XYZ"
    assert money_short(-150, "GBP") == "-£1.5"
