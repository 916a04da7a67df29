"""Crafted session files in the sessions folder (issue 13, D6): the console starts at once, the 复盘
panel lists each bad file as damaged with its reason (in the user's language), and opening one
says why instead of freezing or crashing the console."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from app.settings import Settings
from tests.support.session_files import CRAFTED, valid, zip_bomb_block
from ui.i18n import language, set_language
from ui.main_window import MainWindow
from ui.replay.sessions import SessionsWindow
from ui.replay.window import ReplayWindow

pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore("propagateSizeHints")]

STATUS = 7  # the 状态 column

REASONS = {  # what the user reads for each crafted file (zh_CN)
    "recursive_view": "文件结构不是场次文件的结构",
    "started_ts_1": "文件中的数据超出合理范围",
    "truncated": "文件不完整（被截断）",
    "not_sqlite": "不是场次文件",
    "future_version": "文件来自更新版本的 LiveDesk，当前版本无法读取",
    "trigger_and_view": "文件结构不是场次文件的结构",
}


def crafted_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    valid(folder / "good.livedesk-session.sqlite", session_id="good")
    for kind, (make, _code) in CRAFTED.items():
        make(folder / f"{kind}.livedesk-session.sqlite")
    return folder


async def test_the_console_starts_and_lists_crafted_files_as_damaged(
    sandbox_server: Callable[..., Any],
    live_room: Callable[..., Awaitable[Any]],
    tmp_path: Path,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    until: Callable[..., Awaitable[None]],
) -> None:
    data = tmp_path / "reviewer"
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(data))
    crafted_folder(data / "sessions")
    srv = sandbox_server()
    room = await live_room(srv, "reviewer")
    qs = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    t0 = time.monotonic()
    window = MainWindow(room, Settings(), qsettings=qs)
    window.show()
    built = time.monotonic() - t0
    qtbot.addWidget(window)
    panel = window.panels["replay"]
    assert isinstance(panel, SessionsWindow)
    await until(lambda: not panel.loading, 60, "the sessions list (read in a worker)")
    assert built < 10  # the files are read off the UI thread: start-up does not wait for them
    rows = {
        panel.table.item(r, 2).text(): panel.table.item(r, STATUS).text()
        for r in range(panel.table.rowCount())
    }
    assert rows.pop("good") == "已结束"
    assert sorted(rows) == sorted(f"{kind}.livedesk-session.sqlite" for kind in REASONS)
    for kind, reason in REASONS.items():  # the reason, then the technical detail
        assert rows[f"{kind}.livedesk-session.sqlite"].startswith(f"已损坏/不支持：{reason}")
    assert [s.session_id for s in panel.summaries] == ["good"]
    window.close()


async def test_opening_a_damaged_file_says_why_and_opens_no_window(
    tmp_path: Path, qtbot: Any, until: Callable[..., Awaitable[None]]
) -> None:
    folder = crafted_folder(tmp_path / "sessions")
    panel = SessionsWindow(folder)
    qtbot.addWidget(panel)
    await until(lambda: not panel.loading, 60, "the sessions list")
    panel.open_path(folder / "recursive_view.livedesk-session.sqlite")
    await until(lambda: panel.where.text().startswith("无法打开"), 30, "the refusal")
    assert "文件结构不是场次文件的结构" in panel.where.text()
    assert not panel.opened
    was = language()
    try:
        set_language("en")
        panel.refresh()
        await until(lambda: not panel.loading, 60, "the sessions list in English")
        statuses = [panel.table.item(r, STATUS).text() for r in range(panel.table.rowCount())]
        assert "Damaged/unsupported: Made by a newer LiveDesk; this version cannot read it" in (
            s.split(" (")[0] for s in statuses
        )
    finally:
        set_language(was)


async def test_a_zip_bomb_block_opens_but_its_export_is_refused(
    tmp_path: Path, qtbot: Any, until: Callable[..., Awaitable[None]], monkeypatch: Any
) -> None:
    """The bomb sits in the event log, which only the exports read: the replay opens (its
    timeline does not need the log), and the CSV export stops with a clear message."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    path = zip_bomb_block(tmp_path / "bomb.livedesk-session.sqlite")
    win = ReplayWindow(path)  # deletes itself on close
    said: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: str(tmp_path / "csv"))
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: said.append(text))
    win.export_csv()
    assert said and "文件中的数据块过大" in said[0]
    win.close()


def test_a_marker_tooltip_shows_the_files_text_as_text(qtbot: Any) -> None:
    """Qt takes a tooltip that looks like HTML as HTML: a product title or nickname from a
    shared file ("<img …>", "<b>…") is shown exactly as written, never rendered."""
    from PySide6.QtGui import QTextDocument

    from ui.replay.charts import TimelineCharts

    for label in ("<b>粗体</b> 讲解商品", '<img src="x" width="9000">', "a &lt; b", "plain"):
        doc = QTextDocument()
        doc.setHtml(TimelineCharts._tip(0.0, 0.0, label))
        assert doc.toPlainText() == label
