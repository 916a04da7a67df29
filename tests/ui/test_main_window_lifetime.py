"""The room outlives windows: a main window that is closed and deleted while the live room keeps
running leaves no panel listening — events keep flowing without a single error."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from app.settings import Settings
from ui.main_window import MainWindow


async def test_deleted_window_stops_listening_to_the_live_room(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    caplog: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    srv = sandbox_server(viewers=200, live=True, extra=["--rate", "300"])
    room = await live_room(srv, "host")
    qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(room, Settings(), qsettings=qs)
    window.show()
    await until(lambda: window.panels["comments"].models["all"].rowCount() > 0, 30, "chat")

    window.close()
    window.deleteLater()
    await asyncio.sleep(0.1)
    # the deletion itself, without re-entering the event loop from inside this task (a nested
    # processEvents() would wake other asyncio tasks while this one runs: qasync refuses that)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not shiboken6.isValid(window), "the window and its panels are deleted"
    caplog.clear()
    caplog.set_level(logging.ERROR)
    seq = room.seq
    await until(lambda: room.seq > seq + 300, 30, "more live events after the window is gone")
    await room.explain(room.product_ids[0])  # state changes reach every room listener
    await until(lambda: room.explaining is not None, 10)
    await asyncio.sleep(0.5)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, errors
