"""The UI language switches live, mid-show: no restart, nothing lost.

A real window on the real sandbox, in Chinese; the operator picks English in the 语言 menu; the
menus, dock titles, the 开播/下播 actions, panel labels and table headers read English at once,
the room stays online and comments keep arriving; then back to Chinese."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QSpinBox, QTabBar, QTableView

from app.settings import Settings, load_settings
from ui import i18n
from ui.main_window import MainWindow


def _menus(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions()]


def _orders_headers(window: MainWindow) -> list[str]:
    view = window.panels["orders"].findChild(QTableView)
    assert view is not None
    model = view.model()
    return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]


def _assert_headers_whole(view: QTableView) -> None:
    """Every header's text fits its column (a few pixels of padding), none cut like "uanti"."""
    header = view.horizontalHeader()
    metrics = header.fontMetrics()
    model = view.model()
    last = model.columnCount() - 1
    for col in range(last):  # the last column stretches
        text = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
        need = metrics.horizontalAdvance(text) + 8
        assert view.columnWidth(col) >= need, f"header {text!r} cut: {view.columnWidth(col)} px"


def i18n_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _labels(window: MainWindow) -> set[str]:
    return {lab.text() for lab in window.findChildren(QLabel)}


async def test_switching_to_english_mid_show_needs_no_restart(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    until: Callable[..., Awaitable[None]],
) -> None:
    srv = sandbox_server(viewers=50, live=True)
    room = await live_room(srv, "host")
    i18n.set_language("zh_CN")
    qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(room, Settings(), qsettings=qs)
    qtbot.addWidget(window)
    window.show()
    try:
        assert {"视图", "设备", "语言", "帮助"} <= set(_menus(window))
        chat = window.panels["comments"].models["all"]
        docks = window.docks
        assert docks["comments"].windowTitle() == "评论"

        window.open_shortcut_settings()  # an open dialog stays open and switches too
        dialog = window.findChild(QDialog, "shortcutDialog") or next(
            d for d in window.findChildren(QDialog) if d.isVisible()
        )
        assert dialog.windowTitle() == "快捷键设置"

        english = window.findChild(QAction, "action:language-en")
        assert english is not None
        english.trigger()  # the 语言 → English menu item

        assert dialog.isVisible() and dialog.windowTitle() == "Shortcut settings"
        dialog.close()

        menus = _menus(window)
        assert {"View", "Devices", "Language", "Help"} <= set(menus), menus
        assert not any(i18n_cjk(m) for m in menus), menus
        assert docks["comments"].windowTitle() == "Comments"
        assert docks["products"].windowTitle() == "Product queue"
        assert docks["orders"].toggleViewAction().text() == "Orders"  # the 视图 menu entry
        assert window.start_action.text() == "Go live"
        assert window.end_action.text() == "End live"
        assert _orders_headers(window)[:3] == ["Time", "Buyer", "Product"]
        view = window.panels["orders"].findChild(QTableView)
        assert view is not None
        _assert_headers_whole(view)
        assert "Room" in window.role_label.text() and "房间" not in window.role_label.text()
        tabs = window.panels["comments"].findChild(QTabBar)
        assert tabs is not None and tabs.tabText(0) == "All", "the chat filters read English"
        seconds = [b.suffix() for b in window.findChildren(QSpinBox)]
        assert " s" in seconds and " 秒" not in seconds, seconds
        bars = [b.format() for b in window.findChildren(QProgressBar)]
        assert not any(i18n_cjk(f) for f in bars), bars
        labels = _labels(window)
        assert not any("讲解中的商品" in t for t in labels), "the stage's hint is English"
        assert not any("本机场次" in t or "将发放" in t for t in labels), "formatted lines too"
        assert load_settings().ui.language == "en", "the choice is kept for the next start"
        assert window.isVisible() and room.online

        rows = chat.rowCount()
        await room.send_comment("switched without a restart")
        await until(lambda: chat.rowCount() > rows, 20, "a new comment after the switch")
        assert room.online

        chinese = window.findChild(QAction, "action:language-zh_CN")
        assert chinese is not None
        chinese.trigger()
        assert {"视图", "设备", "语言", "帮助"} <= set(_menus(window))
        assert docks["comments"].windowTitle() == "评论"
        assert window.start_action.text() == "开播"
        assert _orders_headers(window)[:3] == ["时间", "买家", "商品"]
        assert chinese.isChecked() and not english.isChecked()
    finally:
        i18n.switch_language("zh_CN")


def test_english_headers_of_narrow_replay_columns_are_whole(qtbot: Any) -> None:
    """The replay's order table sets 40 px for 数量 (two Chinese characters); in English the
    header read "uanti". Columns are never narrower than their header text."""
    from ui.replay.tables import Table

    try:
        i18n.set_language("en")
        table = Table(["时间", "昵称", "商品", "数量", "金额", "状态"])
        qtbot.addWidget(table)
        for col, width in enumerate((66, 104, 136, 40, 80)):
            table.setColumnWidth(col, width)
        table.show()
        assert table.horizontalHeaderItem(3).text() == "Quantity"
        _assert_headers_whole(table)
        sessions = Table(
            ["开播时间", "直播间", "场次", "时长", "成交额", "订单", "峰值在线", "状态"]
        )
        qtbot.addWidget(sessions)
        sessions.show()
        _assert_headers_whole(sessions)
    finally:
        i18n.set_language("zh_CN")
