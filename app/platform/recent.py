"""RecentKeys: the last N keys seen, to drop an event a platform sends twice.

Platforms re-send messages (a reconnect replays the last ones, Bilibili sends a guard purchase as
two commands); adapters and the headless tap drop a repeat by its key. Memory is bounded: only the
last ``size`` keys are kept, oldest forgotten first, so a long broadcast never grows it.
"""

from __future__ import annotations

import collections
from collections.abc import Hashable


class RecentKeys:
    """The last ``size`` keys seen (bounded memory in a long run)."""

    def __init__(self, size: int = 100_000) -> None:
        self._order: collections.deque[Hashable] = collections.deque()
        self._set: set[Hashable] = set()
        self._size = size

    def add(self, key: Hashable) -> bool:
        """True when ``key`` is new (and now remembered), False for a repeat."""
        if key in self._set:
            return False
        self._set.add(key)
        self._order.append(key)
        if len(self._order) > self._size:
            self._set.discard(self._order.popleft())
        return True
