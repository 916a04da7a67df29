"""The console's loop keeps a task's step that comes due inside another task's nested Qt event
loop (a dialog's exec(), a processEvents()): plain qasync drops it, and that task then never runs
nor ends — a window opened from such code hung the console's shutdown for good."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from ui.event_loop import QEventLoop


def _run(make_loop: Callable[[QApplication], asyncio.AbstractEventLoop]) -> list[str]:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    loop = make_loop(app)
    seen: list[str] = []

    async def window_task() -> None:  # e.g. a list that starts reading as its window opens
        seen.append("started")
        await asyncio.sleep(0.01)
        seen.append("done")

    async def operator() -> None:
        task = asyncio.ensure_future(window_task())
        QApplication.processEvents()  # a nested event loop inside this task (a modal dialog)
        try:
            await asyncio.wait_for(asyncio.shield(task), 3)
        except TimeoutError:
            seen.append("lost")
            return
        task.cancel()

    try:
        loop.run_until_complete(operator())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return seen


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the coroutine plain qasync loses
def test_a_task_woken_inside_a_nested_event_loop_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.CRITICAL, logger="asyncio"):  # qasync reports what it drops
        assert _run(qasync.QEventLoop) == ["lost"]  # why this module exists
    assert _run(QEventLoop) == ["started", "done"]
