"""Wait for a condition by polling (tests never sleep for a fixed time): the suite's one way to
wait, :func:`until` on an event loop, :func:`until_sync` on a plain thread.

Deadlines are generous on purpose: the suite must pass on a busy machine (CI shares its cores), so
every positive wait's deadline is multiplied by :data:`SLACK` (4 with CI=true, 2 otherwise;
``LIVEDESK_TEST_SLACK`` overrides). A wait only ever takes as long as its condition needs; the
deadline matters only when the condition never comes, and then the failure says what was awaited.
Never use these for "X must happen within N ms" assertions: measure those explicitly.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable


def _slack() -> float:
    try:
        return max(1.0, float(os.environ["LIVEDESK_TEST_SLACK"]))
    except (KeyError, ValueError):
        return 4.0 if os.environ.get("CI", "").lower() == "true" else 2.0


SLACK = _slack()

#: the deadline of a wait that names none (before the slack)
WITHIN = 30.0


def patience(seconds: float) -> float:
    """The deadline to give a wait that takes ``seconds`` on a quiet machine."""
    return seconds * SLACK


def _timed_out(within: float, what: str, cond: object) -> AssertionError:
    return AssertionError(f"timed out after {within:.0f} s waiting for {what or cond}")


async def until(
    cond: Callable[[], object], within: float = WITHIN, what: str = "", *, every: float = 0.05
) -> None:
    """Await until ``cond()`` is truthy, checking every ``every`` s on the running loop (Qt's
    events run meanwhile under qasync); fail after ``patience(within)`` naming ``what``."""
    within = patience(within)
    deadline = time.monotonic() + within
    while not cond():
        if time.monotonic() > deadline:
            raise _timed_out(within, what, cond)
        await asyncio.sleep(every)


def until_sync(
    cond: Callable[[], object], within: float = WITHIN, what: str = "", *, every: float = 0.05
) -> None:
    """:func:`until` for a test without an event loop: blocks this thread while polling."""
    within = patience(within)
    deadline = time.monotonic() + within
    while not cond():
        if time.monotonic() > deadline:
            raise _timed_out(within, what, cond)
        time.sleep(every)
