"""Background tasks on the one asyncio loop: started in one place, referenced, named, and logged.

Pattern after FeelUOwn's ``feeluown/utils/aio.py``: a task that nobody holds can be garbage
collected mid-flight, and a task whose exception nobody reads fails silently. ``spawn`` fixes both.

Stopping is bounded: :func:`cancel_and_wait` (and :func:`cancel_all`, at shutdown) cancels and
waits at most a deadline, then names the tasks that did not end in the log and goes on. A clean-up
that never finishes (a peer that never answers, a wake-up lost) costs the operator a few seconds at
exit, never a console that will not close.

Waiting with a time limit is :func:`wait_within` (for an event: :func:`wait_event`), never
``asyncio.wait_for``: on Python 3.11
``wait_for`` drops a cancellation that arrives as the awaited thing finishes (CPython gh-86296,
fixed in 3.12), and a loop that reconnects or waits for a wake-up then carries on as if never
stopped — a console's event stream that kept its task alive after its window closed.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Coroutine, Iterable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

#: how long stopping waits for cancelled tasks to end (their clean-up included): a stream's
#: closing handshake takes at most a second, the recorder's last write less
STOP_DEADLINE_S = 5.0

_tasks: set[asyncio.Task[Any]] = set()
#: cancelled tasks that outlived their deadline (weakly held: gone when they end or are freed)
_abandoned: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()


async def wait_within(aw: Awaitable[T], seconds: float | None) -> T:
    """``await aw``, raising :class:`TimeoutError` after ``seconds`` (None: no limit),
    and cancelled when the caller is — even in the instant ``aw`` completes."""
    async with asyncio.timeout(seconds):
        return await aw


async def wait_event(event: asyncio.Event, seconds: float) -> bool:
    """Wait until ``event`` is set, at most ``seconds``: True if it was (a wake-up, a change),
    False when the time ran out. Cancelled as :func:`wait_within` is."""
    try:
        await wait_within(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


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


async def cancel_and_wait(
    tasks: Iterable[asyncio.Future[Any]], deadline_s: float = STOP_DEADLINE_S
) -> set[asyncio.Future[Any]]:
    """Cancel ``tasks`` and wait until they end, at most ``deadline_s``: returns (and logs) the
    ones still running then. Their outcomes are read here (nothing "never retrieved"). Only tasks
    of the running loop are waited for: one left by a loop that is gone can never end. A
    cancellation of the caller itself is not swallowed."""
    loop = asyncio.get_running_loop()
    pending = {t for t in tasks if not t.done() and t not in _abandoned}
    ours = {t for t in pending if t.get_loop() is loop}
    for t in ours:  # (cancelling one of a closed loop would schedule on that loop: an error)
        t.cancel()
    late: set[asyncio.Future[Any]] = set()
    if ours:
        _, late = await asyncio.wait(ours, timeout=deadline_s)
    for t in ours - late:
        if not t.cancelled():
            t.exception()  # read: its failure was logged by spawn's callback (if spawned)
    stale = pending - ours
    _abandoned.update(late | stale)  # waited for once: a later stop does not wait again
    if late or stale:
        log.warning(
            "%d task(s) did not end within %.0f s of being cancelled, left behind: %s",
            len(late | stale),
            deadline_s,
            ", ".join(sorted(_name(t) for t in late | stale)),
        )
    return late | stale


def _name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)


async def cancel_all(deadline_s: float = STOP_DEADLINE_S) -> None:
    """Cancel every background task (at shutdown) and wait for them to finish, at most
    ``deadline_s`` (:func:`cancel_and_wait`)."""
    await cancel_and_wait(list(_tasks), deadline_s)
