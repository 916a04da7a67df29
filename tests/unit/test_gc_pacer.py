"""The collector on a clock (app/gc_tuning.GcPacer): garbage cycles are still reclaimed."""

from __future__ import annotations

import gc
import weakref

from app.gc_tuning import GcPacer
from tests.support.polling import until


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


async def test_young_cycles_are_collected_on_the_clock_and_frozen_ones_at_the_full_pass() -> None:
    """Waits are for the passes themselves (a busy machine runs the clock late, never early)."""
    pacer = GcPacer(young_s=0.05, full_s=1.5)
    pacer.start()
    try:
        assert not gc.isenabled()  # no collection on allocation counts while it runs
        young = _cycle()  # garbage at once: the next young pass takes it
        await until(lambda: pacer.young_passes >= 2, 10, "two young passes")
        assert young() is None

        a, b = _Node(), _Node()
        a.other, b.other = b, a
        held = weakref.ref(a)
        seen = pacer.young_passes
        await until(lambda: pacer.young_passes >= seen + 1, 10, "a young pass while it lives")
        full = pacer.full_passes
        del a, b
        seen = pacer.young_passes
        await until(lambda: pacer.young_passes >= seen + 2, 10, "two young passes after")
        if pacer.full_passes == full:  # (a late clock may have run the full pass meanwhile)
            assert held() is not None  # young passes no longer look at it …
        await until(lambda: held() is None, 10, "the full pass")  # … the full pass does
        assert pacer.full_passes >= full + 1
    finally:
        pacer.stop()
    assert gc.isenabled()
