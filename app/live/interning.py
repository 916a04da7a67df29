"""One shared copy of the strings chat lines repeat: user ids, nicknames, short texts.

A busy room keeps ~100,000 chat lines in view (every filtered view holds its own bounded
history), and most of their strings are repeats: the same few thousand viewers, and short lines
like 「扣1」「666」「已拍」 typed again and again. Each line parsed from the platform carries its own
copies; :class:`Interner` swaps them for the first copy seen, so a repeat costs a pointer, not a
string (~60–120 bytes each in CPython). The table keeps what it holds alive, so it is bounded:
past ``capacity`` distinct strings (~5 MB at 50,000: a long broadcast sees far more distinct
viewers than that) it starts over; lines already made keep their strings, only sharing with
older lines is lost.
"""

from __future__ import annotations

#: texts up to this many characters are shared (longer lines rarely repeat exactly)
SHORT_TEXT = 12


class Interner:
    __slots__ = ("_table", "capacity")

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._table: dict[str, str] = {}

    def __call__(self, s: str) -> str:
        table = self._table
        shared = table.get(s)
        if shared is not None:
            return shared
        if len(table) >= self.capacity:
            table.clear()
        table[s] = s
        return s

    def short(self, text: str) -> str:
        """``text`` shared if it is short (long texts are returned as they are, not kept)."""
        return self(text) if len(text) <= SHORT_TEXT else text

    def __len__(self) -> int:
        return len(self._table)
