"""The replay score (复盘评分) where a team looks at its sessions: the sessions list has a 评分
column that sorts by a click on its header (best first / worst first, the selection still the
session clicked), the replay window's header says the score and its parts, the compare view
has the score's change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.session.replay import SessionFile
from app.session.schema import SUFFIX
from app.session.score import score_file
from app.settings import ReviewSettings
from tests.support.polling import until
from tests.support.scored_sessions import recording
from tests.support.session_files import T0
from ui.replay.compare import CompareWindow
from ui.replay.sessions import SCORE_COLUMN, SessionsWindow
from ui.replay.window import ReplayWindow

#: orders per session, in the order they were recorded; against the targets each order is worth
#: 0.5 (GMV) + 0.6 (conversion) points above the 20 of full interaction: 31, 53, 42, 64
ORDERS = (10, 30, 20, 40)


def folder(tmp_path: Path) -> Path:
    d = tmp_path / "sessions"
    d.mkdir()
    for i, n in enumerate(ORDERS):
        recording(d / f"s{i}{SUFFIX}", orders=n, started=T0 + i * 3600, sid=f"s{i}")
    return d


def scores(panel: SessionsWindow) -> list[float]:
    return [float(panel.table.item(r, SCORE_COLUMN).text()) for r in range(panel.table.rowCount())]


def click_header(panel: SessionsWindow, column: int) -> None:
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


async def test_the_sessions_list_sorts_by_score(qtbot: QtBot, tmp_path: Path) -> None:
    d = folder(tmp_path)
    panel = SessionsWindow(d, review=lambda: ReviewSettings(basis="targets"), refresh_s=0.3)
    qtbot.addWidget(panel)
    panel.resize(1400, 500)
    panel.show()
    await until(lambda: not panel.loading and panel.table.rowCount() == 4, 20, "the list")
    assert panel.table.horizontalHeaderItem(SCORE_COLUMN).text() == "评分"
    # newest first until the operator sorts
    assert [panel.table.item(r, 2).text() for r in range(4)] == ["s3", "s2", "s1", "s0"]
    assert scores(panel) == [64.0, 42.0, 53.0, 31.0]
    click_header(panel, SCORE_COLUMN)
    first = scores(panel)
    assert first in ([31.0, 42.0, 53.0, 64.0], [64.0, 53.0, 42.0, 31.0])
    click_header(panel, SCORE_COLUMN)  # the other way round
    assert scores(panel) == first[::-1]
    # the rows moved with their files: the selected row opens the session it shows
    panel.table.selectRow(0)
    [picked] = panel.selected()
    assert picked.session_id == panel.table.item(0, 2).text()
    # the order holds when the list refreshes by itself (a new recording comes in)
    before = scores(panel)
    recording(d / f"s4{SUFFIX}", orders=0, started=T0 + 9 * 3600, sid="s4")
    await until(lambda: panel.table.rowCount() == 5, 20, "the new recording's row")
    assert [x for x in scores(panel) if x != 20.0] == before
    assert [s.session_id for s in panel.selected()] == [picked.session_id]


async def test_the_replay_header_and_the_compare_view_show_the_score(
    qtbot: QtBot, tmp_path: Path
) -> None:
    d = folder(tmp_path)
    newest = d / f"s3{SUFFIX}"
    with SessionFile(newest) as f:
        want = score_file(f)
    assert want.history == 3  # scored against the three sessions before it
    win = ReplayWindow(newest)
    qtbot.addWidget(win)
    win.show()
    await until(lambda: win.score is not None, 20, "the score")
    text = win.score_label.text()
    assert text.startswith(f"复盘评分 {want.total:.1f}")
    assert "成交额 ¥4,000.00" in text and "（权重 50）" in text and "互动率 1.00" in text
    assert "此前的 3 场" in win.score_label.toolTip()
    win.close()

    cmp = CompareWindow(d / f"s0{SUFFIX}", newest)
    qtbot.addWidget(cmp)
    rows: dict[str, Any] = {
        cmp.kpis.item(r, 0).text(): [cmp.kpis.item(r, c).text() for c in (1, 2, 3)]
        for r in range(cmp.kpis.rowCount())
    }
    a, b = cmp.scores
    assert rows["复盘评分"][:2] == [f"{a.total:.1f}", f"{b.total:.1f}"]
    assert rows["复盘评分"][2].startswith("▲" if b.total > a.total else "▼")
    assert rows["互动率"][:2] == ["1.00", "1.00"]
    cmp.close()
