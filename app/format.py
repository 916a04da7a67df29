"""How LiveDesk writes money, durations, times of day and sizes: one home for every formatter, so
the same amount reads the same in the console, the replay window and the exported report.

Money is kept as an integer number of the currency's **minor units** everywhere ("cents" in names:
分 for CNY, cents for USD/EUR, whole yen for JPY, fils for KWD) together with its ISO 4217 code,
and formatted with integer arithmetic (no float rounding). How many minor digits a currency has
is ISO 4217's (:data:`MINOR_DIGITS`: JPY, KRW… 0; BHD, KWD… 3; 2 for every other code). Where
two outputs must differ they are separate, named functions:

- :func:`money` ``(12990, "CNY")`` → ``"¥129.90"``, ``(123456, "USD")`` → ``"$1,234.56"``,
  ``(1500, "JPY")`` → ``"JP¥1,500"``, ``(-150, "EUR")`` → ``"-€1.50"``, an unknown code
  ``(123456, "XYZ")`` → ``"1,234.56 XYZ"``: every table, label and report. The symbols
  (:data:`SYMBOLS`) read the same in both UI languages: ``¥`` is the yuan (the console's home
  currency), the yen is ``JP¥``, dollars other than the US one carry their country (``HK$``).
- :func:`money_plain` ``(12990, "USD")`` → ``"129.90"``: the text of an edit box (parsed back as
  typed: ``ui/products/validation.parse_price``).
- :func:`money_short` ``(12950, "USD")`` → ``"$129.5"``: an overlay card on the stream (symbol
  included, no thousands separator, no trailing zeros).
- :func:`hms` ``3723`` → ``"1:02:03"`` (hours always shown): a duration in tables and reports.
- :func:`clock` ``83`` → ``"01:23"``, ``3723`` → ``"1:02:03"``: the overlay's countdown.
- :func:`countdown` ``82.2`` → ``"1:23"`` (rounded up: 0.2 s left still reads 0:01): time left
  in the console's marketing panels and mute list.
- :func:`time_of_day` a Unix time → ``"20:35:12"`` (local time).
- :func:`human_size` ``2_500_000`` → ``"2.4 MB"``.
"""

from __future__ import annotations

import time

#: ISO 4217 minor-unit digits of the currencies that do not have 2
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
MINOR_DIGITS: dict[str, int] = {
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
#: the symbol written before an amount; a currency not here is written after it as its code
SYMBOLS: dict[str, str] = {
    "CNY": "¥",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "JP¥",
    "KRW": "₩",
    "HKD": "HK$",
    "TWD": "NT$",
    "SGD": "S$",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "INR": "₹",
}


def minor_digits(currency: str) -> int:
    """How many digits ``currency`` has after the decimal point (ISO 4217; 2 when not listed)."""
    return MINOR_DIGITS.get(currency, 2)


def money_plain(cents: int, currency: str = "CNY", *, grouped: bool = False) -> str:
    """``(12990, "USD")`` → ``"129.90"``, ``(1500, "JPY")`` → ``"1500"``: the number alone."""
    digits = minor_digits(currency)
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 10**digits)
    text = f"{whole:,}" if grouped else str(whole)
    return f"{sign}{text}.{frac:0{digits}d}" if digits else f"{sign}{text}"


def money(cents: int, currency: str = "CNY") -> str:
    """An amount in its currency for every table and label: ``"$1,234.56"``, ``"-¥1.50"``,
    ``"JP¥1,500"``; a currency without a symbol: ``"1,234.56 XYZ"``."""
    return _written(cents, money_plain(abs(cents), currency, grouped=True), currency)


def _written(cents: int, number: str, currency: str) -> str:
    """``number`` (the amount's absolute value) with its sign and the currency's symbol before
    it, or its code after it when it has no symbol here."""
    sign = "-" if cents < 0 else ""
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency}"


def money_short(cents: int, currency: str = "CNY") -> str:
    """An overlay's price: ``(12900, "CNY")`` → ``"¥129"``, ``(12950, "USD")`` → ``"$129.5"``,
    ``(12999, "EUR")`` → ``"€129.99"``; no thousands separator (the card is narrow)."""
    number = money_plain(abs(cents), currency)
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return _written(cents, number, currency)


def money_symbol(currency: str) -> str:
    """What an amount of ``currency`` starts with (``"$"``), or ``""`` (written after: its code)."""
    return SYMBOLS.get(currency, "")


def hms(seconds: float) -> str:
    """A duration as h:mm:ss, hours always shown: ``3723`` → ``"1:02:03"``, ``59`` → ``"0:00:59"``."""
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def clock(seconds: int) -> str:
    """The overlay's clock: mm:ss under an hour, h:mm:ss from then on (never negative)."""
    seconds = max(0, seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def countdown(seconds: float) -> str:
    """Whole seconds left as m:ss or h:mm:ss, rounded up (never negative)."""
    s = max(0, int(seconds + 0.999))
    h, rest = divmod(s, 3600)
    mnt, sec = divmod(rest, 60)
    return f"{h}:{mnt:02d}:{sec:02d}" if h else f"{mnt}:{sec:02d}"


def time_of_day(ts: float) -> str:
    """A Unix time as the local time of day, ``"20:35:12"``."""
    return time.strftime("%H:%M:%S", time.localtime(ts))


def human_size(n: int) -> str:
    """A file size: ``"512 B"``, ``"12 KB"``, ``"2.4 MB"``, ``"1.25 GB"``."""
    if n < 1024:
        return f"{n} B"
    if n < 1024**2:
        return f"{n / 1024:.0f} KB"
    if n < 1024**3:
        return f"{n / 1024**2:.1f} MB"
    return f"{n / 1024**3:.2f} GB"
