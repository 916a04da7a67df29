"""The replay window shows viewers' money besides orders: gift value and paid messages as a
line of totals and a per-minute table (礼物 tab), re-read on a language switch; a session
without any says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.support.session_files import name, valid
from tests.ui.replay.test_replay_moment import rows
from tests.unit.session.test_money import _record
from ui import i18n
from ui.replay.window import ReplayWindow


def test_the_gifts_tab_shows_gift_value_and_paid_messages(qtbot: QtBot, tmp_path: Path) -> None:
    win = ReplayWindow(_record(tmp_path / name("money")))
    qtbot.addWidget(win)
    win.show()
    tabs = [win.tabs.tabText(i) for i in range(win.tabs.count())]
    assert "礼物" in tabs
    assert win.money_label.text() == (
        "礼物价值 ¥490.00 · 醒目留言 2 条（¥80.00） · 开通会员 1 · 分享 1"
    )
    assert rows(win.money_table) == [
        ["0:00:00", "¥245.00", "1", "¥30.00", "0", "0"],
        ["0:01:00", "¥245.00", "1", "¥50.00", "1", "1"],
    ]
    try:
        i18n.switch_language("en")
        assert win.money_label.text().startswith("Gift value ¥490.00 · 2 paid messages (¥80.00)")
        header = win.money_table.horizontalHeaderItem(1)
        assert header is not None and header.text() == "Gift value"
    finally:
        i18n.switch_language("zh_CN")
    win.close()


def test_a_file_recorded_before_gifts_were_kept_says_there_are_none(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = valid(tmp_path / name("old"))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE per_sec_money")  # as a console before this change wrote it
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    win = ReplayWindow(path)
    qtbot.addWidget(win)
    assert win.money_label.text() == "本场没有礼物价值或醒目留言"
    assert win.money_table.rowCount() == 0
    win.close()
