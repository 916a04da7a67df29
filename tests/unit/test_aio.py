"""app/aio.py: stopping background tasks is bounded — a task whose clean-up never ends is named
and left behind after the deadline instead of holding the console's exit for ever."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.aio import cancel_all, cancel_and_wait, spawn


async def _stubborn(started: asyncio.Event, release: asyncio.Event) -> None:
    """A task whose clean-up waits for something that does not come (a peer that never answers)
    until the test releases it at its end."""
    started.set()
    try:
        await asyncio.Event().wait()
    finally:
        await release.wait()


async def test_a_task_that_never_ends_is_left_behind_and_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    stuck = spawn(_stubborn(started, release), name="stream-cleanup")
    quick = spawn(asyncio.sleep(3600), name="ticker")
    await started.wait()
    with caplog.at_level(logging.WARNING, logger="app.aio"):
        late = await asyncio.wait_for(cancel_and_wait([stuck, quick], deadline_s=0.2), 30)
    assert late == {stuck}
    assert quick.cancelled()  # the well-behaved one ended
    assert "left behind: stream-cleanup" in caplog.text
    # shutdown after that does not wait for it a second time
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.aio"):
        await asyncio.wait_for(cancel_all(deadline_s=3600), 30)
    assert "stream-cleanup" not in caplog.text
    release.set()
    await asyncio.wait_for(asyncio.wait({stuck}), 30)


async def test_a_failure_during_clean_up_is_read_and_the_callers_cancel_is_kept() -> None:
    async def fails_on_cancel() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            raise ValueError("clean-up failed")

    task = spawn(fails_on_cancel(), name="fails")
    await asyncio.sleep(0)
    assert await cancel_and_wait([task], deadline_s=30) == set()
    assert isinstance(task.exception(), ValueError)

    # the caller being cancelled while it waits is not swallowed
    started, release = asyncio.Event(), asyncio.Event()
    stuck = spawn(_stubborn(started, release), name="stuck-again")
    await started.wait()
    waiter = asyncio.ensure_future(cancel_and_wait([stuck], deadline_s=3600))
    await asyncio.sleep(0.05)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    assert await cancel_and_wait([stuck], deadline_s=30) == set()


@pytest.mark.parametrize("limit", [10.0, None])
async def test_a_stop_that_comes_as_the_awaited_thing_completes_is_not_lost(
    limit: float | None,
) -> None:
    """The event stream's reconnect loop stopped in the instant its connection opened: with
    Python 3.11's ``asyncio.wait_for`` the task carried on (and the console's exit waited)."""
    from app.aio import wait_within

    opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def reconnect_loop() -> str:
        await wait_within(opened, limit)
        return "carried on after being stopped"

    task = asyncio.ensure_future(reconnect_loop())
    await asyncio.sleep(0)  # the loop is waiting for its connection
    opened.set_result("connected")
    task.cancel()  # the stop, in the same instant
    await asyncio.wait({task}, timeout=30)
    assert task.cancelled()


async def test_a_backoff_wait_ends_at_a_wake_up_or_at_its_time() -> None:
    """The adapters' reconnect back-off (``wait_event``): an operator's 重连 ends it at once; else
    it ends when its time is up; and a stop that comes with the wake-up is not lost."""
    from app.aio import wait_event

    wake = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, wake.set)
    t0 = loop.time()
    assert await wait_event(wake, 30) is True
    assert loop.time() - t0 < 10  # the wake-up, not the 30 s
    assert await wait_event(asyncio.Event(), 0.05) is False

    stopped = asyncio.Event()

    async def backoff() -> str:
        await wait_event(stopped, 30)
        return "carried on after being stopped"

    task = asyncio.ensure_future(backoff())
    await asyncio.sleep(0)
    stopped.set()
    task.cancel()  # the stop, in the same instant as the wake-up
    await asyncio.wait({task}, timeout=30)
    assert task.cancelled()
