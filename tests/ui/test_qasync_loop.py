"""The test loop is the app's loop kind: a Qt timer fires while a coroutine awaits."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QTimer


async def test_qt_timers_run_while_asyncio_awaits() -> None:
    fired: list[int] = []
    QTimer.singleShot(10, lambda: fired.append(1))
    for _ in range(100):
        if fired:
            break
        await asyncio.sleep(0.01)
    assert fired == [1]
