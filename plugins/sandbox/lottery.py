"""The verifiable lottery: pure functions anyone holding the event log can re-run.

At start the server draws a random 32-byte ``seed`` and publishes ``commitment(seed)``. At the draw
it reveals the seed; the winners are ``draw_winners(seed, participant_ids, winners)``:

    pool = sorted(participant_ids); chosen = []
    for i in range(min(winners, len(pool))):
        h = sha256(seed + i.to_bytes(4, "big")).digest()
        chosen.append(pool.pop(int.from_bytes(h, "big") % len(pool)))

``participants_digest = sha256("\\n".join(sorted(ids)).encode()).hexdigest()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def participants_digest(participant_ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(participant_ids)).encode()).hexdigest()


def draw_winners(seed: bytes, participant_ids: Iterable[str], winners: int) -> list[str]:
    """Winners in draw order; same inputs, same winners (input order does not matter)."""
    pool = sorted(set(participant_ids))
    chosen: list[str] = []
    for i in range(min(winners, len(pool))):
        h = hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        chosen.append(pool.pop(int.from_bytes(h, "big") % len(pool)))
    return chosen


def keyword_matches(keyword: str, text: str) -> bool:
    """A comment enters when its text, stripped, contains the stripped keyword (case-sensitive)."""
    kw = keyword.strip()
    return bool(kw) and kw in text.strip()
