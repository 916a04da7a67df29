"""Keyword highlight rules: edited in the comments panel's dialog, saved in the settings file, and
a live comment that matches a rule is painted with that rule's colour (others are not)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.live.room import LiveRoom
from app.settings import HighlightRule, Settings, load_settings, save_settings
from tests.support.polling import until
from ui.chat.highlight_dialog import HighlightRulesDialog
from ui.chat.panel import ChatPanel
from ui.notify import Notifier

Connect = Callable[..., Awaitable[LiveRoom]]
WITHIN = 30.0
SIZE = "#ffcc80"  # orange
BOUGHT = "#a5d6a7"  # green


def _row_colour(panel: ChatPanel, text: str) -> QColor:
    """The colour painted behind a row, sampled right of its text (where only background is)."""
    view = panel.view
    model = view.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == text)
    rect = view.visualRect(model.index(row, 0))
    image = view.viewport().grab(rect).toImage()
    samples = {
        QColor(image.pixel(QPoint(x, image.height() // 2))).name()
        for x in range(image.width() - 60, image.width() - 10, 7)
    } | {QColor(image.pixel(QPoint(image.width() - 30, 1))).name()}
    assert len(samples) == 1, f"background of {text!r} is not one colour: {samples}"
    return QColor(samples.pop())


async def test_a_comment_matching_a_rule_is_painted_in_its_colour_and_rules_are_saved(
    qtbot: QtBot, sandbox_server: Any, live_room: Connect, tmp_path: Path
) -> None:
    srv = sandbox_server(debug_routes=True)
    room = await live_room(srv, "host")
    path = tmp_path / "settings.json"
    settings = Settings()
    host = QWidget()
    qtbot.addWidget(host)
    panel = ChatPanel(
        room,
        Notifier(host),
        settings=settings.ui,
        save_settings=lambda: save_settings(settings, path),
        parent=host,
    )
    host.resize(900, 500)
    panel.resize(900, 500)
    host.show()
    qtbot.waitExposed(host)

    # the operator opens the rules from the panel, adds two, picks their colours, OK
    qtbot.mouseClick(panel.rules_button, Qt.MouseButton.LeftButton)
    dialog = panel.findChild(HighlightRulesDialog)
    assert dialog is not None and dialog.isVisible()
    for word, colour in (("尺码", SIZE), ("已拍", BOUGHT)):
        row = dialog.add_rule(word, "#fff3b0")
        dialog.set_colour(row, colour)
    dialog.accept()
    assert settings.ui.highlight_rules == [
        HighlightRule(keyword="尺码", colour=SIZE),
        HighlightRule(keyword="已拍", colour=BOUGHT),
    ]
    assert load_settings(path).ui.highlight_rules == settings.ui.highlight_rules

    texts = ["M码尺码偏大吗", "已拍两件", "尺码对的话已拍", "主播好美"]
    async with httpx.AsyncClient(headers=srv.headers("host"), timeout=WITHIN) as http:
        for n, text in enumerate(texts):
            r = await http.post(
                srv.api("/_debug/viewer-comment"),
                json={"user_id": f"u{n}", "nickname": f"观众{n}", "text": text},
            )
            r.raise_for_status()
    model = panel.models["all"]
    await until(lambda: model.rowCount() == len(texts), WITHIN, "the comments in the panel")
    panel.view.clearSelection()
    QApplication.processEvents()
    assert _row_colour(panel, "M码尺码偏大吗") == QColor(SIZE)
    assert _row_colour(panel, "已拍两件") == QColor(BOUGHT)
    assert _row_colour(panel, "尺码对的话已拍") == QColor(SIZE)  # the first rule wins
    plain = _row_colour(panel, "主播好美")
    assert plain not in (QColor(SIZE), QColor(BOUGHT), QColor("#fff3b0"))
    assert plain == panel.view.palette().base().color()

    # removing a rule repaints at once: that colour is gone, the other stays
    qtbot.mouseClick(panel.rules_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in panel.findChildren(HighlightRulesDialog) if d.isVisible())
    assert [r.keyword for r in dialog.rules()] == ["尺码", "已拍"]
    dialog.table.selectRow(0)
    dialog.remove_selected()
    dialog.accept()
    QApplication.processEvents()
    assert _row_colour(panel, "M码尺码偏大吗") == plain
    assert _row_colour(panel, "尺码对的话已拍") == QColor(BOUGHT)
    assert [r.keyword for r in load_settings(path).ui.highlight_rules] == ["已拍"]
