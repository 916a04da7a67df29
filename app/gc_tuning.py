"""Garbage-collector pacing for a console that ingests tens of thousands of events a second.

The console keeps a few hundred thousand long-lived objects (chat and order rings, the catalog,
Qt wrappers) and makes ~10^5 short-lived ones a second (parsed events). CPython's automatic
collector counts allocations: at 20,000 events/s it ran a young collection ~80 times a second,
each one walking every event still in flight (a parsed batch, the recorder's queue) — 17 ms a
time, more than the whole stream's work (tests/bench/feed_ui.py: 29.8 s of collector pauses in a
21 s window, summed over both threads).

So the automatic collector is switched off and :class:`GcPacer` runs it on a clock instead:

- every ``young_s`` (0.25 s) a young-generation pass: by then nearly every event of the last
  quarter second is already freed by reference counting, so the pass walks only what survives
  (new chat lines, the batch in flight) — a few ms;
- the survivors are then frozen (``gc.freeze``): ring buffers hold them for minutes, and frozen
  objects are never walked again (they are still freed normally when the ring drops them);
- every ``full_s`` (10 min) everything is unfrozen and fully collected once, so garbage cycles
  that were frozen while still alive (a finished task with its traceback, say) are reclaimed.

Measured in tests/bench/feed_ui.py (see the closing notes for the figures of each change).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

log = logging.getLogger(__name__)

THRESHOLDS = (10_000, 50, 100)  # only while no pacer runs (start-up, tests, tools)


def tune_gc() -> None:
    """Call once at start-up, before the platform stream starts."""
    gc.set_threshold(*THRESHOLDS)


def freeze_startup_objects() -> None:
    """Call once the main window is up: start-up objects are never collected again."""
    gc.collect()
    gc.freeze()


class GcPacer:
    """Runs the cyclic collector on a clock (see the module doc). ``start()`` on the running loop."""

    def __init__(self, young_s: float = 0.25, full_s: float = 600.0) -> None:
        self.young_s = young_s
        self.full_s = full_s
        self.young_passes = 0
        self.full_passes = 0
        self._handle: asyncio.TimerHandle | None = None
        self._next_full = 0.0

    def start(self) -> None:
        if self._handle is not None:
            return
        gc.disable()
        self._next_full = time.monotonic() + self.full_s
        self._handle = asyncio.get_running_loop().call_later(self.young_s, self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        gc.unfreeze()
        gc.enable()

    def _tick(self) -> None:
        now = time.monotonic()
        if now >= self._next_full:
            t0 = time.perf_counter()
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.full_passes += 1
            self._next_full = now + self.full_s
            log.info("full garbage collection: %.0f ms", (time.perf_counter() - t0) * 1000)
        else:
            gc.collect(0)
            gc.freeze()
            self.young_passes += 1
        self._handle = asyncio.get_running_loop().call_later(self.young_s, self._tick)
