"""The one undo bar (ui/undo_bar.py), as the operator meets it after a price edit or a mute:
撤销 undoes the offer shown and only once, a newer offer replaces the older one's undo, the bar
goes by itself, names are shown as typed (never as HTML), and showing it moves nothing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.undo_bar import UndoBar


def _host(qtbot: QtBot) -> tuple[QWidget, QLabel]:
    host = QWidget()
    qtbot.addWidget(host)
    row = QLabel("第一行", host)
    QVBoxLayout(host).addWidget(row)
    host.resize(400, 300)
    host.show()
    return host, row


def test_undo_runs_the_latest_offer_once(qtbot: QtBot) -> None:
    host, _row = _host(qtbot)
    bar = UndoBar(host, seconds=5)
    undone: list[str] = []
    bar.offer("已禁言 小李 1 小时", lambda: undone.append("小李"))
    bar.offer("已禁言 张三 5 分钟", lambda: undone.append("张三"), note="该用户本场已下单")
    assert bar.isVisible() and bar.label.text() == "已禁言 张三 5 分钟"
    assert bar.note.isVisible() and bar.note.text() == "该用户本场已下单"
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)  # hidden now: a second click is void
    assert undone == ["张三"]
    assert not bar.isVisible()


def test_the_bar_goes_by_itself_and_its_undo_with_it(qtbot: QtBot) -> None:
    host, _row = _host(qtbot)
    bar = UndoBar(host, seconds=0.2)
    undone: list[int] = []
    bar.offer("已改价 ¥399.00 → ¥359.00", lambda: undone.append(1), key="Ctrl+Z")
    assert bar.button.text() == "撤销 (Ctrl+Z)" and not bar.note.isVisible()
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=3000)
    bar.withdraw()
    assert undone == []


def test_text_is_plain_and_showing_moves_nothing(qtbot: QtBot) -> None:
    host, row = _host(qtbot)
    before = row.geometry()
    bar = UndoBar(host, seconds=5, bottom=52)
    bar.offer("已禁言 <b>坏人</b>", lambda: None)
    assert bar.label.textFormat() == Qt.TextFormat.PlainText
    assert bar.label.text() == "已禁言 <b>坏人</b>"
    assert row.geometry() == before
    assert bar.geometry().bottom() == host.height() - 52 - 1
    host.resize(500, 400)  # the bar follows its parent's size
    qtbot.waitUntil(lambda: bar.geometry().bottom() == 400 - 52 - 1, timeout=2000)
    assert bar.width() == 500 - 16
