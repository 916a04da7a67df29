"""The replay's action log (issue 20, "the team at a glance"): every operator's actions with
before → after, recorded by the host's console while the assistant, in a second console on the real sandbox,
changes a price and a stock (F2) and the queue's order (Alt+Up); the replay window's 操作记录 tab lists
them under 场控 with the values before and after, filters by operator, and the HTML report has
the same rows."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.format import money
from app.session.replay import SessionFile
from app.session.report import build_html
from app.settings import Settings
from tests.support.polling import until
from tests.support.recording_rig import recording_host
from tests.ui.products.test_price_and_stage_tools import CLEAN, _edit, _queue, _type
from tests.ui.products.test_product_queue import Connect, connect  # noqa: F401
from ui import i18n
from ui.i18n import retranslate
from ui.main_window import MainWindow
from ui.products.editor import ProductEditor
from ui.replay.action_log import ActionLogTab
from ui.replay.window import ReplayWindow


def shown(tab: ActionLogTab) -> list[list[str]]:
    """The rows the tab shows now (the filter hides the others), as the reviewer reads them."""
    t = tab.table
    return [
        [(it.text() if (it := t.item(r, c)) is not None else "") for c in range(t.columnCount())]
        for r in range(t.rowCount())
        if not t.isRowHidden(r)
    ]


pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen dialogs


async def test_the_replay_lists_the_assistants_edits_with_before_and_after(
    qtbot: QtBot,
    sandbox_server: Any,
    connect: Connect,  # noqa: F811
    tmp_path: Path,
) -> None:
    srv = sandbox_server()
    async with recording_host(srv, tmp_path / "sessions") as (host, rec):
        qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        console = MainWindow(host, Settings(), qsettings=qs)  # the host's console, recording
        qtbot.addWidget(console)
        console.show()
        assistant = await connect(srv, "assistant")
        desk = MainWindow(assistant, Settings(), qsettings=qs)  # the assistant's console
        qtbot.addWidget(desk)
        desk.show()
        await host.start_session()
        await until(lambda: rec.recording, 20, "recording")
        await until(lambda: assistant.session is not None, 20, "the assistant sees the session")

        # the assistant edits a price (a 10 % cut: no question) and the stock in one go (F2) …
        ids = list(assistant.product_ids)
        pid = CLEAN
        p = assistant.products[pid]
        new_price = p.price_cents * 9 // 1000 * 100
        new_stock = p.stock - 10
        queue = _queue(desk)
        editor = await _edit(qtbot, queue, pid)
        _type(editor, f"{new_price // 100}")
        editor.stock.selectAll()
        QTest.keyClicks(editor.stock, str(new_stock))
        QTimer.singleShot(0, editor.save_button.click)  # 保存, from Qt's dispatch
        await until(lambda: host.products[pid].stock == new_stock, 20, "the edit on the host")
        assert host.products[pid].price_cents == new_price
        # … and moves the last product up one place (Alt+Up)
        last = ids[-1]
        await until(lambda: queue.findChild(ProductEditor) is None, 20, "the editor closed")
        desk.activateWindow()
        await until(lambda: QApplication.activeWindow() is desk, 10, "the console active")
        queue.select(last)
        queue.view.setFocus()
        assert desk.shortcuts.actions["product.move_up"].isEnabled()
        qtbot.keyClick(queue.view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
        await until(lambda: host.product_ids.index(last) == len(ids) - 2, 20, "the move")
        await asyncio.sleep(0.3)
        await host.end_session()
        await until(lambda: not rec.recording, 20, "the file to close")
        path = rec.files[-1]
    await until(lambda: not rec.filling, 20, "the recorder")

    win = ReplayWindow(path)
    qtbot.addWidget(win)
    win.show()
    tab = win.action_log
    assert isinstance(tab, ActionLogTab)
    win.tabs.setCurrentWidget(tab)
    assert win.tabs.tabText(win.tabs.currentIndex()) == "操作记录"
    title = assistant.products[pid].title
    last_title = assistant.products[last].title
    rows = [r[1:] for r in shown(tab)]  # who, what, before, after (time aside)
    want = [
        ["场控", f"改价 · {title}", money(p.price_cents), money(new_price)],
        ["场控", f"改库存 · {title}", str(p.stock), str(new_stock)],
        ["场控", f"调整排品 · {last_title}", f"第 {len(ids)} 位", f"第 {len(ids) - 1} 位"],
    ]
    assert rows == [["主播", "开播", "", ""], *want, ["主播", "下播", "", ""]]

    # filtered by operator, as the reviewer picks one in the list
    assert [tab.who.itemText(i) for i in range(tab.who.count())] == ["全部操作者", "主播", "场控"]
    tab.who.setCurrentIndex(tab.who.findText("场控"))
    assert [r[1:] for r in shown(tab)] == want
    tab.who.setCurrentIndex(tab.who.findText("主播"))
    assert [r[2] for r in shown(tab)] == ["开播", "下播"]
    tab.who.setCurrentIndex(tab.who.findText("场控"))

    # a live switch to English says the rows again, and the filter stays on the assistant
    i18n.set_language("en")
    try:
        retranslate([win], "zh_CN")
        assert tab.who.currentText() == "Assistant"
        assert shown(tab)[0][1:] == [
            "Assistant",
            f"Price change · {title}",
            money(p.price_cents),
            money(new_price),
        ]
        assert [r[4] for r in shown(tab)][2] == f"No. {len(ids) - 1}"
        assert tab.table.horizontalHeaderItem(1).text() == "Operator"
    finally:
        i18n.set_language("zh_CN")
        retranslate([win], "en")
    tab.who.setCurrentIndex(0)
    assert len(shown(tab)) == 5

    # the HTML report has the same log as a section
    with SessionFile(path) as f:
        page = build_html(f, lang="zh_CN")
    section = page[page.index('<h2 id="action-log">') :]
    assert section.startswith('<h2 id="action-log">操作记录</h2>')
    for _who, what, before, after in want:
        assert f"<td>场控</td><td>{what}</td><td>{before}</td><td>{after}</td>" in section
    with SessionFile(path) as f:
        english = build_html(f, lang="en")
    assert (
        f"<td>Assistant</td><td>Price change · {title}</td>"
        f"<td>{money(p.price_cents)}</td><td>{money(new_price)}</td>"
    ) in english
    win.close()
