"""The blind box (盲盒抽奖): a console lottery whose winners each get a prize drawn from a pool.

The algorithm, documented for third parties in docs/platform-api.md ("Verifiable lottery"),
is implemented here once; the console's draw (app/live/console_lottery.py) and every verifier
(app/live/lottery_verify.py: the panel, the replay, the report) call these functions:

    pool_bytes = json.dumps({"mode": mode, "prizes": [{"n": n, "name": name}, …]},
                            ensure_ascii=False, sort_keys=True, separators=(",", ":")
                           ).encode("utf-8")                  # prizes in the pool's order
    commitment = sha256(seed + pool_bytes).hexdigest()        published at the start
    winners    = the lottery's algorithm (lottery_verify.recompute_winners)
    for i, winner in enumerate(winners):                      each winner's prize, in order
        h = int.from_bytes(sha256(seed + b"prize" + i.to_bytes(4, "big")).digest(), "big")
        left = the remaining count of each prize ("counts") or its weight ("weights")
        r = h % sum(left); the prize is the first one, in the pool's order, whose running sum
        of ``left`` exceeds r; with "counts" its remaining count drops by one

Guarantees: the commitment binds the seed AND the pool (a pool changed after the start — a prize
swapped, a count or weight changed, the order changed — gives another commitment, so the draw
does not verify); with "counts" no prize is given more often than its count and a pool smaller
than the number of winners is refused at the start (:func:`pool_problem`); the same seed, pool and
winners always give the same prizes. This module does no I/O and keeps no state.
"""

from __future__ import annotations

import hashlib
import json

from app.i18n import tr
from app.platform import models as m

PRIZE_TAG = b"prize"


def pool_bytes(pool: m.PrizePool) -> bytes:
    """The pool's canonical encoding (the bytes the commitment covers)."""
    obj = {"mode": pool.mode, "prizes": [{"n": p.n, "name": p.name} for p in pool.prizes]}
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def commitment_of(seed: bytes, pool: m.PrizePool) -> str:
    """sha256(seed + pool_bytes(pool)), hex: what a blind box publishes at its start."""
    return hashlib.sha256(seed + pool_bytes(pool)).hexdigest()


def recompute_prizes(seed: bytes, pool: m.PrizePool, winners: int) -> list[str]:
    """The prize of each of ``winners`` winners, in the winners' order (fewer when a "counts"
    pool runs out, which :func:`pool_problem` refuses at the start)."""
    left = [p.n for p in pool.prizes]
    out: list[str] = []
    for i in range(winners):
        total = sum(left)
        if total <= 0:
            break
        h = hashlib.sha256(seed + PRIZE_TAG + i.to_bytes(4, "big")).digest()
        r = int.from_bytes(h, "big") % total
        for j, n in enumerate(left):
            if r < n:
                out.append(pool.prizes[j].name)
                if pool.mode == "counts":
                    left[j] -= 1
                break
            r -= n
    return out


def pool_problem(pool: m.PrizePool, winners: int) -> str | None:
    """Why this pool cannot serve ``winners`` winners (operator-readable), or None."""
    names = [p.name.strip() for p in pool.prizes]
    if any(not n for n in names):
        return tr("奖池里有奖品没有名称")
    if len(set(names)) != len(names):
        return tr("奖池里有重复的奖品名称")
    if pool.mode == "counts" and sum(p.n for p in pool.prizes) < winners:
        return tr("奖品总数 {n} 少于中奖人数 {w}").format(
            n=sum(p.n for p in pool.prizes), w=winners
        )
    return None


def winner_lines(lottery: m.Lottery) -> list[str]:
    """The winners as shown (plain text): 「nickname — prize」 for a blind box, else nicknames."""
    names = list(lottery.winner_nicknames or lottery.winner_ids or [])
    if lottery.winner_prizes is None:
        return names
    return [f"{n} — {p}" for n, p in zip(names, lottery.winner_prizes, strict=False)]
