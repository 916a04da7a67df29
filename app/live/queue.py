"""The product queue (排品) as an operator edits it: moves, run-order paste, next/previous, and a
versioned reorder that resolves a race with another console instead of losing either move.

Pure functions on lists of product ids, plus :func:`reorder` which sends the result through the
room (the queue on screen changes only when the platform's ``products_reordered`` event arrives).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from app.i18n import tr
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.errors import StaleVersionError

log = logging.getLogger(__name__)


# --- moves -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Move:
    """The operator put ``product_id`` right after ``after`` (None: at the top) and before
    ``before`` (None: at the end); ``index`` is where it landed."""

    product_id: str
    after: str | None
    before: str | None
    index: int

    def apply(self, ids: Sequence[str]) -> list[str]:
        """The same move made on ``ids`` (e.g. the order another console just saved).

        "Same relative position": right after the same neighbour above; if that one is gone,
        right before the same neighbour below; else at the same index (clamped).
        """
        rest = [i for i in ids if i != self.product_id]
        if self.product_id not in ids:
            return list(ids)  # the product left the bag: nothing to move
        if self.after is None:
            pos = 0
        elif self.after in rest:
            pos = rest.index(self.after) + 1
        elif self.before is not None and self.before in rest:
            pos = rest.index(self.before)
        else:
            pos = min(self.index, len(rest))
        rest.insert(pos, self.product_id)
        return rest


def move(ids: Sequence[str], product_id: str, to_index: int) -> tuple[list[str], Move]:
    """Move ``product_id`` so that it ends at ``to_index`` of the result; returns (order, move)."""
    if product_id not in ids:
        raise ValueError(f"{product_id} is not in the queue")
    rest = [i for i in ids if i != product_id]
    pos = max(0, min(to_index, len(rest)))
    rest.insert(pos, product_id)
    mv = Move(
        product_id,
        rest[pos - 1] if pos > 0 else None,
        rest[pos + 1] if pos + 1 < len(rest) else None,
        pos,
    )
    return rest, mv


# --- run order paste ---------------------------------------------------------------------------
class RunOrderError(ValueError):
    """Pasted run order that cannot be used; the message is fit for the operator."""


_SPLIT = re.compile(r"[\s,，、;；/|]+")
_RANGE = re.compile(r"^(\d+)\s*[-~～—]\s*(\d+)$")


def parse_run_order(text: str, ids: Sequence[str]) -> list[str]:
    """Product ids named by ``text``: 1-based positions in ``ids`` ("1,4,7", "3-5") or ids.

    Separators: commas (also ，、), spaces, semicolons. Raises :class:`RunOrderError`.
    """
    tokens = [t for t in _SPLIT.split(text.strip()) if t]
    if not tokens:
        raise RunOrderError(tr("请输入排品顺序，如 1,4,7"))
    by_lower = {i.casefold(): i for i in ids}
    chosen: list[str] = []
    n = len(ids)
    for token in tokens:
        rng = _RANGE.match(token)
        if token.isdigit() or rng:
            lo, hi = (int(rng.group(1)), int(rng.group(2))) if rng else (int(token), int(token))
            if lo > hi:
                raise RunOrderError(tr("范围 {token} 写反了").format(token=token))
            for pos in range(lo, hi + 1):
                if not 1 <= pos <= n:
                    raise RunOrderError(
                        tr("序号 {pos} 超出范围：当前共 {n} 个商品").format(pos=pos, n=n)
                    )
                chosen.append(ids[pos - 1])
        elif token.casefold() in by_lower:
            chosen.append(by_lower[token.casefold()])
        else:
            raise RunOrderError(tr("无法识别“{token}”：请填序号或商品 ID").format(token=token))
    dupes = sorted({i for i in chosen if chosen.count(i) > 1}, key=chosen.index)
    if dupes:
        where = {pid: ids.index(pid) + 1 for pid in dupes}
        listed = "、".join(f"{where[d]}({d})" for d in dupes)
        raise RunOrderError(tr("重复的商品：{listed}").format(listed=listed))
    return chosen


def run_order(ids: Sequence[str], first: Sequence[str]) -> list[str]:
    """``first`` (those still in ``ids``) in that order, then the rest in their current order."""
    present = set(ids)
    head = [i for i in first if i in present]
    taken = set(head)
    return head + [i for i in ids if i not in taken]


# --- next / previous ---------------------------------------------------------------------------
def step(
    ids: Sequence[str],
    products: Mapping[str, m.Product],
    current: str | None,
    direction: int,
) -> str | None:
    """The listed product ``direction`` (+1 next / -1 previous) from ``current`` in queue order.

    With nothing current, next is the first listed product and previous the last. Delisted
    products are skipped. None at either end.
    """
    listed = [i for i in ids if (p := products.get(i)) is not None and p.listed]
    if not listed:
        return None
    if current is None or current not in ids:
        return listed[0] if direction > 0 else listed[-1]
    pos = ids.index(current)
    seq = ids[pos + 1 :] if direction > 0 else list(reversed(ids[:pos]))
    return next((i for i in seq if i in listed), None)


def step_in_stock(
    ids: Sequence[str],
    products: Mapping[str, m.Product],
    current: str | None,
    direction: int,
) -> tuple[str | None, list[str]]:
    """Like :func:`step`, passing over sold-out products (stock 0): ``(target, skipped)``.

    ``target`` is None when nothing listed is left that way (``skipped`` then holds the sold-out
    ones that were there, for a warning)."""
    skipped: list[str] = []
    at = current
    while (target := step(ids, products, at, direction)) is not None:
        if products[target].stock > 0:
            return target, skipped
        skipped.append(target)
        at = target
    return None, skipped


# --- sending a reorder ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReorderResult:
    bag: m.Bag
    resolved_conflict: bool  # another console reordered first; the move was re-applied on top


MAX_ATTEMPTS = 5  # a move is re-merged and re-sent up to this many times in all


async def reorder(
    room: LiveRoom, build: Callable[[list[str]], list[str]], *, attempts: int = MAX_ATTEMPTS
) -> ReorderResult:
    """Send ``build(current order)``. On a stale version, rebuild on the platform's current order
    (from the 409) and send again, up to ``attempts`` sends in all: each 409 means another
    console's reorder was saved meanwhile, so under normal contention a move always lands. Only
    after ``attempts`` conflicts in a row does :class:`StaleVersionError` reach the caller."""
    ids = list(room.product_ids)
    version = room.bag_version
    for attempt in range(1, attempts + 1):
        try:
            return ReorderResult(await room.reorder(build(ids), version), attempt > 1)
        except StaleVersionError as exc:
            if attempt >= attempts:
                log.warning("reorder lost %s races in a row; giving up", attempts)
                raise
            current = (
                exc.current if isinstance(exc.current, m.Bag) else await room.adapter.products()
            )
            log.info(
                "reorder lost a race at version %s; re-applying on version %s (try %s of %s)",
                version,
                current.version,
                attempt + 1,
                attempts,
            )
            # at once: the console that just won is busy with its response, so this one is next
            ids = [p.id for p in current.products]
            version = current.version
    raise AssertionError("unreachable")  # pragma: no cover
