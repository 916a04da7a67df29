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
from tests.support.ports import free_port
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


async def test_deleted_window_leaves_the_obs_link_reconnecting_without_errors(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    caplog: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    """The OBS stack outlives the window too: its link keeps reporting (here: reconnect attempts
    to an OBS that is not running) after the window with the OBS panel is gone, and the panel, a
    dock that never gets a close event, must not be called any more — a call into it would raise
    inside the link's reconnect loop and end the OBS link for good."""
    from app.obs.stack import ObsStack
    from app.platform.connection import LinkState

    srv = sandbox_server()
    room = await live_room(srv, "host")
    settings = Settings()
    settings.obs.port = free_port()  # nothing listens there: the link keeps reconnecting
    stack = ObsStack.build(room, settings, password="", overlay_dir=tmp_path / "overlays")
    stack.conn.backoff_initial = stack.conn.backoff_cap = 0.2
    await stack.start()
    try:
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(room, settings, qsettings=qs, obs=stack)
        window.show()
        tracker = stack.conn.tracker
        await until(lambda: tracker.status.state is LinkState.RECONNECTING, 20, "reconnecting")
        window.close()
        window.deleteLater()
        await asyncio.sleep(0.1)
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        assert not shiboken6.isValid(window)
        caplog.clear()
        caplog.set_level(logging.ERROR)
        attempt = tracker.status.attempt
        await until(lambda: tracker.status.attempt >= attempt + 3, 30, "more reconnect attempts")
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, errors
    finally:
        await stack.stop()
