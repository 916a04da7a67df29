"""Viewers' money besides orders, from a session file: gift value, paid messages (醒目留言 /
Super Chat), memberships and shares — the interaction kinds of platforms like Bilibili.

They come from the ``per_sec_money`` table (app/session/schema.py). Guarantees: a file written
before that table existed opens and reads as "none of these" (zeros, no rows), never as an
error; amounts are in cents of the viewers' money's currency
(:attr:`SessionFile.gift_currency`, not necessarily the GMV's: Bilibili gifts in CNY next to a
USD shop); minutes are counted from the session's start and only minutes that had any of these
are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.session.replay import SessionFile

__all__ = ["Money", "MoneyMinute", "per_minute", "totals"]


@dataclass(frozen=True, slots=True)
class Money:
    gift_value_cents: int = 0
    paid_messages: int = 0
    paid_message_cents: int = 0
    memberships: int = 0
    shares: int = 0

    @property
    def any(self) -> bool:
        return any((self.gift_value_cents, self.paid_messages, self.memberships, self.shares))


@dataclass(frozen=True, slots=True)
class MoneyMinute:
    minute: int  # minutes since the session's start (0: the first minute)
    money: Money


_COLS = "gift_value_cents, paid_messages, paid_message_cents, memberships, shares"


def _has_table(f: SessionFile) -> bool:
    row = f.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name='per_sec_money'")
    return row is not None


def totals(f: SessionFile) -> Money:
    """The session's totals (zeros for a file recorded before these were kept)."""
    if not _has_table(f):
        return Money()
    sums = ", ".join(f"coalesce(sum({c.strip()}), 0)" for c in _COLS.split(","))
    row = f.one(f"SELECT {sums} FROM per_sec_money")
    return Money(*(int(v) for v in row))


def per_minute(f: SessionFile) -> list[MoneyMinute]:
    """Per minute of the session, the minutes that had any, in order."""
    if not _has_table(f):
        return []
    t0 = int(f.started_ts or 0)
    sums = ", ".join(f"sum({c.strip()})" for c in _COLS.split(","))
    rows = f.conn.execute(
        f"SELECT (sec - ?) / 60 AS minute, {sums} FROM per_sec_money"
        " GROUP BY minute ORDER BY minute",
        (t0,),
    ).fetchall()
    return [MoneyMinute(max(0, int(r[0])), Money(*(int(v) for v in r[1:]))) for r in rows]
