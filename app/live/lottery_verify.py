"""Verify a drawn lottery on the console, independently of the platform's code.

The documented algorithm (docs/platform-api.md, "Verifiable lottery"):

    commitment          = sha256(seed).hexdigest()                      published at start
    participants_digest = sha256("\\n".join(sorted(ids)).encode()).hexdigest()
    pool = sorted(set(ids)); winners = []
    for i in range(min(n, len(pool))):
        h = sha256(seed + i.to_bytes(4, "big")).digest()
        winners.append(pool.pop(int.from_bytes(h, "big") % len(pool)))

It is re-implemented here on purpose: the console must not trust the platform's own function.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from app.platform import models as m


def commitment_of(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def digest_of(participant_ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(participant_ids)).encode()).hexdigest()


def recompute_winners(seed: bytes, participant_ids: Iterable[str], winners: int) -> list[str]:
    pool = sorted(set(participant_ids))
    chosen: list[str] = []
    for i in range(min(winners, len(pool))):
        h = hashlib.sha256(seed + i.to_bytes(4, "big")).digest()
        chosen.append(pool.pop(int.from_bytes(h, "big") % len(pool)))
    return chosen


@dataclass(frozen=True, slots=True)
class Verification:
    commitment_ok: bool  # sha256(revealed seed) == commitment published at start
    digest_ok: bool  # the participants list matches its published digest
    winners_ok: bool  # recomputed winners == announced winners (same order)
    recomputed: tuple[str, ...]
    problem: str | None = None  # why it could not be checked at all

    @property
    def ok(self) -> bool:
        return self.problem is None and self.commitment_ok and self.digest_ok and self.winners_ok


def verify(lottery: m.Lottery) -> Verification:
    """Check a drawn lottery from what the platform revealed."""
    if lottery.status != "drawn" or lottery.seed is None:
        return Verification(False, False, False, (), "not drawn yet")
    try:
        seed = bytes.fromhex(lottery.seed)
    except ValueError:
        return Verification(False, False, False, (), "seed is not hex")
    ids = list(lottery.participant_ids or [])
    winners = recompute_winners(seed, ids, lottery.winners)
    return Verification(
        commitment_ok=commitment_of(seed) == lottery.commitment.lower(),
        digest_ok=lottery.participants_digest is not None
        and digest_of(ids) == lottery.participants_digest.lower(),
        winners_ok=winners == list(lottery.winner_ids or []),
        recomputed=tuple(winners),
    )
