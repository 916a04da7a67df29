"""Verify a drawn lottery on the console, independently of the platform's code.

The documented algorithm (docs/platform-api.md, "Verifiable lottery"):

    commitment          = sha256(seed).hexdigest()                      published at start
    participants_digest = sha256("\\n".join(sorted(ids)).encode()).hexdigest()
    pool = sorted(set(ids)); winners = []
    for i in range(min(n, len(pool))):
        h = sha256(seed + i.to_bytes(4, "big")).digest()
        winners.append(pool.pop(int.from_bytes(h, "big") % len(pool)))

It is re-implemented here on purpose: the console must not trust the platform's own function.

A blind box (a lottery with a ``pool``, app/live/blind_box.py) commits to
``sha256(seed + pool_bytes(pool))`` instead, and its check also recomputes each winner's prize
(``prizes_ok``) with :func:`app.live.blind_box.recompute_prizes`.

The seed is checked against the commitment the console saw while the lottery was OPEN (kept by
``LiveRoom.lottery_commitments``; in a recording, the lottery's first recorded state), never the
one that comes with the draw: a platform could draw with a seed picked after the entrants were
known and send a matching commitment along. No commitment seen at start: the check fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from app.i18n import tr
from app.live import blind_box
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
    """The result of checking one lottery; ``failed`` is what the operator must be told loudly."""

    commitment_ok: bool  # sha256(revealed seed) == the commitment the console saw at START
    digest_ok: bool  # the participants list matches its published digest
    winners_ok: bool  # recomputed winners == announced winners (same order)
    recomputed: tuple[str, ...]
    problem: str | None = None  # why it could not be checked (operator-readable, translated)
    drawn: bool = True  # False: nothing to check yet (not a failure)
    #: the commitment that came with the draw differs from the one published at start (the
    #: platform re-committed after the entrants were known: the seed was chosen afterwards)
    commitment_changed: bool = False
    start_seen: bool = True  # a commitment from the lottery's start was there to check against
    #: a blind box: recomputed prizes == announced prizes (always True for a plain lottery)
    prizes_ok: bool = True
    recomputed_prizes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (
            self.problem is None
            and self.commitment_ok
            and self.digest_ok
            and self.winners_ok
            and self.prizes_ok
        )

    @property
    def failed(self) -> bool:
        """Drawn, and the draw could not be shown to be fair."""
        return self.drawn and not self.ok


def not_drawn() -> Verification:
    return Verification(False, False, False, (), tr("尚未开奖"), drawn=False)


def verify(lottery: m.Lottery, commitment_at_start: str | None) -> Verification:
    """Check a drawn lottery from what the platform revealed, against ``commitment_at_start``:
    the commitment this console saw while the lottery was still open (``lottery_started`` or a
    snapshot before the draw), never the one that arrives with the draw — a platform that picks
    the seed once the entrants are known sends a commitment matching that seed with the draw.
    None (the console never saw the lottery open) fails: the draw cannot be shown to be fair."""
    if lottery.status != "drawn" or lottery.seed is None:
        return not_drawn()
    ids = list(lottery.participant_ids or [])
    start = commitment_at_start.lower() if commitment_at_start else None
    try:
        seed: bytes | None = bytes.fromhex(lottery.seed)
    except ValueError:
        seed = None
    winners = recompute_winners(seed, ids, lottery.winners) if seed is not None else []
    prizes: list[str] = []
    if seed is not None and lottery.pool is not None:
        prizes = blind_box.recompute_prizes(seed, lottery.pool, len(winners))
    if seed is None:
        expected = None
    elif lottery.pool is not None:  # a blind box commits to the seed and the pool together
        expected = blind_box.commitment_of(seed, lottery.pool)
    else:
        expected = commitment_of(seed)
    problem: str | None = None
    if seed is None:
        problem = tr("公布的种子不是十六进制，无法验证")
    elif start is None:
        problem = tr("未见到开始时的承诺，无法验证")
    return Verification(
        commitment_ok=expected is not None and expected == start,
        digest_ok=lottery.participants_digest is not None
        and digest_of(ids) == lottery.participants_digest.lower(),
        winners_ok=seed is not None and winners == list(lottery.winner_ids or []),
        recomputed=tuple(winners),
        problem=problem,
        commitment_changed=start is not None and lottery.commitment.lower() != start,
        start_seen=start is not None,
        prizes_ok=lottery.pool is None or (seed is not None and prizes == lottery.winner_prizes),
        recomputed_prizes=tuple(prizes),
    )
