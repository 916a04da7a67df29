"""Costly steps ask first, with the safe answer as the default (issue "Safe on air"): 下播 and
closing the console while live, driven through the real window on the real sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from tests.support.console import main_window
from tests.support.polling import until
from tests.ui.products.test_product_queue import Connect, connect  # noqa: F401


def _answer(press: Callable[[QMessageBox], None], seen: list[dict[str, Any]]) -> None:
    """Once the question is up (it runs its own modal loop), read it and answer it."""

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, poll)
            return
        buttons = {b.objectName(): b.text() for b in box.findChildren(QPushButton)}
        default = box.defaultButton()
        seen.append({"buttons": buttons, "default": default.text() if default else None})
        press(box)

    QTimer.singleShot(20, poll)


def _enter(box: QMessageBox) -> None:
    QTest.keyClick(box, Qt.Key.Key_Return)


def _click_action(box: QMessageBox) -> None:
    button = box.findChild(QPushButton, "confirmAction")
    assert button is not None
    button.click()


async def from_qt(step: Callable[[], object], done: Callable[[], bool]) -> None:
    """Run ``step`` from Qt's event dispatch, as a key press or the close button would: a
    question's own modal loop must not run inside an asyncio task (qasync cannot re-enter it)."""
    QTimer.singleShot(0, step)
    await until(done, what="the question answered")


async def test_end_show_asks_with_named_buttons_and_enter_keeps_the_show_on(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path)
    await until(lambda: win.end_action.isEnabled(), what="下播 enabled while live")
    seen: list[dict[str, Any]] = []
    _answer(_enter, seen)
    await from_qt(win.end_action.trigger, lambda: len(seen) == 1)  # Ctrl+Shift+E, then Enter
    assert seen == [
        {"buttons": {"confirmAction": "下播", "confirmCancel": "取消"}, "default": "取消"}
    ]
    assert room.session is not None and room.session.status == "live"
    _answer(_click_action, seen)
    await from_qt(win.end_action.trigger, lambda: len(seen) == 2)
    await until(lambda: room.session is not None and room.session.status == "ended", what="ended")


async def test_closing_the_window_while_live_asks_and_cancel_keeps_it_open(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path, confirm_close_while_live=True)
    closed: list[bool] = []
    win.closed.connect(lambda: closed.append(True))
    seen: list[dict[str, Any]] = []
    _answer(_enter, seen)
    await from_qt(win.close, lambda: len(seen) == 1)
    assert seen[0]["default"] == "取消"
    assert seen[0]["buttons"] == {"confirmAction": "关闭中控台", "confirmCancel": "取消"}
    assert win.isVisible() and closed == []
    _answer(_click_action, seen)
    await from_qt(win.close, lambda: closed == [True])
    assert not win.isVisible()


async def test_a_shutdown_closes_a_live_console_without_asking(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server(live=True)
    room = await connect(srv)
    win = main_window(qtbot, room, tmp_path, confirm_close_while_live=True)
    closed: list[bool] = []
    win.closed.connect(lambda: closed.append(True))
    win.close_without_asking()  # SIGTERM, logout
    assert closed == [True]
