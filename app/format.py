"""How LiveDesk writes money, durations, times of day and sizes: one home for every formatter, so
the same amount reads the same in the console, the replay window and the exported report.

Money is kept in cents (integers) everywhere and formatted with integer arithmetic (no float
rounding). Where two outputs must differ they are separate, named functions:

- :func:`yuan` ``12990`` → ``"¥129.90"``, ``-150`` → ``"-¥1.50"``, thousands separated: every
  table, label and report.
- :func:`yuan_plain` ``12990`` → ``"129.90"``: the text of an edit box (parsed back as typed).
- :func:`yuan_short` ``12950`` → ``"129.5"``: an overlay card on the stream (no ¥, no trailing
  zeros; the card draws its own ¥).
- :func:`hms` ``3723`` → ``"1:02:03"`` (hours always shown): a duration in tables and reports.
- :func:`clock` ``83`` → ``"01:23"``, ``3723`` → ``"1:02:03"``: the overlay's countdown.
- :func:`countdown` ``82.2`` → ``"1:23"`` (rounded up: 0.2 s left still reads 0:01): time left
  in the console's marketing panels and mute list.
- :func:`time_of_day` a Unix time → ``"20:35:12"`` (local time).
- :func:`human_size` ``2_500_000`` → ``"2.4 MB"``.
"""

from __future__ import annotations

import time


def yuan(cents: int) -> str:
    """``12990`` → ``"¥129.90"``; ``123456`` → ``"¥1,234.56"``; ``-150`` → ``"-¥1.50"``."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}¥{cents // 100:,}.{cents % 100:02d}"


def money(cents: int, currency: str = "CNY") -> str:
    """An amount in its currency (ISO 4217): ``yuan`` in CNY, ``"30.00 USD"`` otherwise."""
    if currency == "CNY":
        return yuan(cents)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100:,}.{cents % 100:02d} {currency}"


def yuan_plain(cents: int) -> str:
    """``12990`` → ``"129.90"`` (for an edit box)."""
    return f"{cents // 100}.{cents % 100:02d}"


def yuan_short(cents: int) -> str:
    """Overlay text for an amount in cents: 12900 → '129', 12950 → '129.5', 12999 → '129.99'."""
    whole, frac = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    if frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:02d}".rstrip("0")


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
