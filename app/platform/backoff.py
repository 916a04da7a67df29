"""Capped exponential backoff with full jitter, for reconnecting links (platform stream, OBS).

Attempt ``n`` (1-based) waits a uniformly random time in ``[0, min(cap, base * factor**(n-1))]``
("full jitter", AWS Architecture Blog, 2015): many consoles that lost the same server do not all
come back in the same instant, and the wait never exceeds ``cap``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """Delays for successive reconnect attempts; :meth:`reset` after a connection succeeds."""

    base: float = 0.2
    cap: float = 5.0
    factor: float = 2.0
    jitter: bool = True
    rng: random.Random = field(default_factory=random.Random, repr=False)
    attempt: int = 0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap <= 0 or self.factor < 1:
            raise ValueError("backoff needs base > 0, cap > 0 and factor >= 1")

    def ceiling(self, attempt: int) -> float:
        """The largest delay attempt number ``attempt`` (1-based) may wait."""
        exponent = max(0, attempt - 1)
        # avoid float overflow for very long outages: past the cap the exponent no longer matters
        if exponent > 64:
            return self.cap
        return min(self.cap, self.base * self.factor**exponent)

    def next_delay(self) -> float:
        """Count one more attempt and return how long to wait before it."""
        self.attempt += 1
        top = self.ceiling(self.attempt)
        return self.rng.uniform(0.0, top) if self.jitter else top

    def reset(self) -> None:
        self.attempt = 0
