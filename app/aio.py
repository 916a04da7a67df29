"""Background tasks on the one asyncio loop: started in one place, referenced, named, and logged.

Pattern after FeelUOwn's ``feeluown/utils/aio.py``: a task that nobody holds can be garbage
collected mid-flight, and a task whose exception nobody reads fails silently. ``spawn`` fixes both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_tasks: set[asyncio.Task[Any]] = set()


def _done(task: asyncio.Task[Any]) -> None:
    _tasks.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("background task %r failed", task.get_name(), exc_info=exc)


def spawn(coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
    """Start ``coro`` as a named background task that is kept alive and whose failure is logged."""
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _tasks.add(task)
    task.add_done_callback(_done)
    return task


async def cancel_all() -> None:
    """Cancel every background task (at shutdown) and wait for them to finish."""
    tasks = [t for t in _tasks if not t.done()]
    for t in tasks:
        t.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
