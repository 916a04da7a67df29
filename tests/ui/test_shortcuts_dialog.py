"""Shortcut settings in the console: a key changed in the dialog fires its action at once and is
saved; a key another action has is refused; clashes from a hand-edited file are flagged; the F1
cheat sheet lists the keys in force."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QKeySequenceEdit, QPushButton
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.settings import Settings, UiSettings, load_settings
from tests.support.console import main_window
from tests.support.polling import until
from ui.chat.model import LineRole
from ui.chat.panel import ChatPanel
from ui.main_window import MainWindow
from ui.shortcut_dialog import ShortcutDialog
from ui.shortcuts import CheatSheet

Connect = Callable[..., Awaitable[LiveRoom]]
WITHIN = 30.0


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIVEDESK_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "settings.json"


def _shown_without_queue(
    qtbot: QtBot, room: LiveRoom, tmp_path: Path, settings: Settings
) -> MainWindow:
    w = main_window(qtbot, room, tmp_path, settings, show=False)
    # keys reach window shortcuts only in a shown window; the product queue stays hidden so it
    # starts no image downloads that would outlive the test's event loop
    w.docks["products"].hide()
    w.show()
    qtbot.waitExposed(w)
    return w


def _open_dialog(w: MainWindow) -> ShortcutDialog:
    entry = w.findChild(QAction, "action:shortcut-settings")
    assert entry is not None and entry in w.menuBar().actions()[-1].menu().actions()  # type: ignore[union-attr]
    entry.trigger()
    dialog = w.findChild(ShortcutDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _type_key(qtbot: QtBot, dialog: ShortcutDialog, aid: str, key: Qt.Key, mods: Any) -> None:
    """Press a key combination in the action's row, as the operator does."""
    edit = dialog.findChild(QKeySequenceEdit, f"key:{aid}")
    assert edit is not None
    edit.setFocus()
    qtbot.keyClick(edit, key, mods)
    QApplication.processEvents()


def _sheet_key(w: MainWindow, label: str) -> str:
    table = CheatSheet(w.shortcuts, w).table  # what F1 (show_cheat_sheet) shows
    rows = [
        (table.item(r, 1).text(), table.item(r, 2).text())  # type: ignore[union-attr]
        for r in range(table.rowCount())
    ]
    return next(k for lab, k in rows if lab == label)


async def test_a_key_changed_in_the_dialog_fires_the_action_is_saved_and_in_the_cheat_sheet(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server(debug_routes=True)  # no live session: no metrics back-fill running
    room = await live_room(srv, "host")
    w = _shown_without_queue(qtbot, room, tmp_path, Settings())
    assert _sheet_key(w, "置顶") == QKeySequence("Ctrl+Shift+P").toString(
        QKeySequence.SequenceFormat.NativeText
    )
    dialog = _open_dialog(w)
    ctrl_alt = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    _type_key(qtbot, dialog, "comment.pin", Qt.Key.Key_J, ctrl_alt)
    assert w.shortcuts.key("comment.pin") == "Ctrl+Alt+J"
    assert load_settings(config).ui.shortcuts == {"comment.pin": "Ctrl+Alt+J"}
    assert w.settings.ui.shortcuts == {"comment.pin": "Ctrl+Alt+J"}
    assert "Ctrl+Alt+J" in dialog.message.text()
    dialog.close()
    assert _sheet_key(w, "置顶") == QKeySequence("Ctrl+Alt+J").toString(
        QKeySequence.SequenceFormat.NativeText
    )

    # the new key, pressed in the comments list, pins the selected comment on the platform
    body = {"user_id": "u1", "nickname": "小王", "text": "这件有M码吗"}
    async with httpx.AsyncClient(headers=srv.headers("host"), timeout=WITHIN) as http:
        r = await http.post(srv.api("/_debug/viewer-comment"), json=body)
    cid = r.json()["comment"]["id"]
    panel = w.panels["comments"]
    assert isinstance(panel, ChatPanel)
    model = panel.models["all"]
    await until(lambda: model.rowCount() > 0 and model.line(0).id == cid, WITHIN, "the comment")
    QApplication.processEvents()
    panel.view.setCurrentIndex(panel.view.model().index(0, 0))
    assert panel.view.currentIndex().data(LineRole).id == cid
    w.activateWindow()
    await until(lambda: QApplication.activeWindow() is w, 10, "active")
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_J, ctrl_alt)
    await until(lambda: room.pinned is not None and room.pinned.id == cid, WITHIN, "pinned")
    assert panel.pinned_text.text() == "小王：这件有M码吗"
    # the old key no longer does anything
    assert w.shortcuts.actions["comment.pin"].shortcut() == QKeySequence("Ctrl+Alt+J")
    assert all(a.shortcut() != QKeySequence("Ctrl+Shift+P") for a in w.shortcuts.actions.values())
    panel.view.setCurrentIndex(QModelIndex())


async def test_a_key_another_action_has_is_refused_and_reset_brings_the_default_back(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    w = _shown_without_queue(qtbot, await live_room(srv, "host"), tmp_path, Settings())
    dialog = _open_dialog(w)
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    _type_key(qtbot, dialog, "comment.hide", Qt.Key.Key_S, ctrl_shift)  # 开播's key
    assert w.shortcuts.key("comment.hide") == "Ctrl+Shift+H"  # unchanged
    assert w.shortcuts.key("session.start") == "Ctrl+Shift+S"
    edit = dialog.findChild(QKeySequenceEdit, "key:comment.hide")
    assert edit is not None and edit.keySequence() == QKeySequence("Ctrl+Shift+H")
    assert "开播" in dialog.message.text() and "未更改" in dialog.message.text()
    assert load_settings(config).ui.shortcuts == {}  # nothing was saved
    assert w.shortcuts.conflicts() == {}

    # a free key is taken, then "默认" puts the default back and drops the override
    _type_key(qtbot, dialog, "comment.hide", Qt.Key.Key_K, ctrl_shift)
    assert load_settings(config).ui.shortcuts == {"comment.hide": "Ctrl+Shift+K"}
    reset = dialog.findChild(QPushButton, "reset:comment.hide")
    assert reset is not None
    qtbot.mouseClick(reset, Qt.MouseButton.LeftButton)
    assert w.shortcuts.key("comment.hide") == "Ctrl+Shift+H"
    assert load_settings(config).ui.shortcuts == {}


async def test_keys_that_clash_in_the_settings_file_are_flagged_until_one_is_changed(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path, config: Path
) -> None:
    srv = sandbox_server()
    settings = Settings(ui=UiSettings(shortcuts={"comment.copy": "F1"}))  # F1 is the cheat sheet
    w = _shown_without_queue(qtbot, await live_room(srv, "host"), tmp_path, settings)
    dialog = _open_dialog(w)
    assert sorted(dialog.conflicting_rows()) == ["comment.copy", "help.shortcuts"]
    assert "红色" in dialog.message.text()
    _type_key(qtbot, dialog, "comment.copy", Qt.Key.Key_F9, Qt.KeyboardModifier.NoModifier)
    assert dialog.conflicting_rows() == []
    assert load_settings(config).ui.shortcuts == {"comment.copy": "F9"}
    assert _sheet_key(w, "复制") == "F9"
    qtbot.mouseClick(
        dialog.findChild(QPushButton, "shortcutResetAll"),  # type: ignore[arg-type]
        Qt.MouseButton.LeftButton,
    )
    assert w.shortcuts.key("comment.copy") == "Ctrl+Shift+C"
    assert w.shortcuts.key("help.shortcuts") == "F1"
    assert load_settings(config).ui.shortcuts == {}
