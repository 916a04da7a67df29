"""Red-envelope rain 红包雨: how a total is split into envelopes, exactly (pure functions).

Guarantees of :func:`split`:
- it returns exactly ``count`` amounts in cents whose sum is exactly ``total_cents``;
- every amount is at least ``min_cents`` (the caller checks ``total_cents >= count * min_cents``);
- ``equal``: every amount is ``total // count``, the first ``total % count`` one cent more;
- ``random``: each envelope gets the minimum, and what is left over is cut at ``count - 1``
  random points (drawn from ``rng``), so the amounts vary widely but nothing is lost or invented.

The room hands the amounts out one per grab and never more than there are, so the sum of the
grabs can never exceed the total; what is not grabbed when the rain ends is its leftover.
"""

from __future__ import annotations

import random
from typing import Literal

Split = Literal["equal", "random"]


def split(
    total_cents: int, count: int, how: Split, min_cents: int, rng: random.Random
) -> list[int]:
    """``count`` amounts summing to ``total_cents``, each ``>= min_cents`` (see the module)."""
    if count <= 0 or min_cents <= 0 or total_cents < count * min_cents:
        raise ValueError("total_cents must cover count envelopes of at least min_cents")
    if how == "equal":
        base, extra = divmod(total_cents, count)
        return [base + 1 if i < extra else base for i in range(count)]
    spare = total_cents - count * min_cents
    cuts = sorted(rng.randint(0, spare) for _ in range(count - 1))
    edges = [0, *cuts, spare]
    return [min_cents + edges[i + 1] - edges[i] for i in range(count)]
