"""The collector on a clock (app/gc_tuning.GcPacer): garbage cycles are still reclaimed."""

from __future__ import annotations

import asyncio
import gc
import weakref

from app.gc_tuning import GcPacer


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


async def test_young_cycles_are_collected_on_the_clock_and_frozen_ones_at_the_full_pass() -> None:
    pacer = GcPacer(young_s=0.05, full_s=0.6)
    pacer.start()
    try:
        assert not gc.isenabled()  # no collection on allocation counts while it runs
        young = _cycle()  # garbage at once: the next young pass takes it
        await asyncio.sleep(0.2)
        assert young() is None and pacer.young_passes >= 2

        a, b = _Node(), _Node()
        a.other, b.other = b, a
        held = weakref.ref(a)
        await asyncio.sleep(0.15)  # survives a young pass while alive: frozen with the rest
        del a, b
        await asyncio.sleep(0.15)
        assert held() is not None  # young passes no longer look at it …
        for _ in range(40):  # … the full pass (every full_s) does
            if held() is None:
                break
            await asyncio.sleep(0.05)
        assert held() is None and pacer.full_passes >= 1
    finally:
        pacer.stop()
    assert gc.isenabled()
