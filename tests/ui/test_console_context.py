"""The console's composition root (ui/context.py, ui/panels.py) on a real sandbox room: every
registered panel is made from the context alone, the product queue and the stage share the
console's one explain hold, and the hold ends with the window it was built for."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.settings import Settings
from tests.support.console import Console
from ui.context import ConsoleContext
from ui.panels import PANELS, TABBED
from ui.products.panel import ProductQueuePanel

CLEAN = "p02"  # no compliance hits: explaining it asks nothing
Until = Callable[..., Awaitable[None]]


async def test_every_panel_is_made_from_the_context_and_the_queue_shares_the_stages_hold(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[LiveRoom]], until: Until
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv, "host")
    console = Console(qtbot, room)
    keys = [row.key for row in PANELS]
    assert len(set(keys)) == len(keys), "a saved layout finds each dock by its id"
    assert {key for group in TABBED for key in group} <= set(keys)
    for key in keys:  # no main window: each make(ctx) needs the context only
        assert console.panel(key, QWidget).parent() is console.window
    queue = console.panel("products", ProductQueuePanel)
    await until(lambda: queue.model.rowCount() == len(room.product_ids) > 5, what="the queue")
    queue.select(CLEAN)
    queue.acts["hold"].trigger()  # 保持讲解卡片 in the queue …
    await until(lambda: room.explaining is not None and room.explaining.product_id == CLEAN)
    assert console.ctx.hold.product_id == CLEAN
    await until(lambda: console.stage.hold_badge.text() == "保持中", what="… shows on the stage")
    assert console.errors == []


async def test_the_hold_ends_with_the_window_it_was_built_for(
    qtbot: QtBot, sandbox_server: Any, live_room: Callable[..., Awaitable[LiveRoom]], until: Until
) -> None:
    srv = sandbox_server(live=True)
    room = await live_room(srv, "host")
    window = QMainWindow()  # not handed to qtbot: this test deletes it itself
    ctx = ConsoleContext.build(window, room, Settings())
    hold = ctx.hold
    hold.hold(CLEAN)
    await until(lambda: room.explaining is not None and room.explaining.product_id == CLEAN)
    assert hold.active
    window.deleteLater()
    del window, ctx
    await asyncio.sleep(0.05)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert not hold.active, "a deleted console keeps no card up"
    assert all(shiboken6.isValid(w) for w in QApplication.topLevelWidgets())
