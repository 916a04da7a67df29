"""Wait for a condition by polling (tests never sleep for a fixed time).

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


def patience(seconds: float) -> float:
    """The deadline to give a wait that takes ``seconds`` on a quiet machine."""
    return seconds * SLACK


async def until(cond: Callable[[], bool], within: float, what: str) -> None:
    within = patience(within)
    deadline = time.monotonic() + within
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)
