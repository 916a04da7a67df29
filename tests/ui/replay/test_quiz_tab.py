"""The replay's 答题 tab, from a session file written by the real writer: the question, options
with their tally, the correct answer and how many got it right, the recount from the recorded
comments ✔, the draw among the correct answerers verified ✔; the lottery tab names the blind box
and each winner's prize. A file whose recorded tally was changed afterwards shows the red banner
and the tab's title says so. The HTML report has the same quiz table (in Chinese and English),
with a red paragraph for a quiz that does not check out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
from pytestqt.qtbot import QtBot

from app.session.quizzes import quizzes_of
from app.session.replay import SessionFile
from app.session.report import build_html
from tests.support.games import synthesise_games
from ui.replay.window import ReplayWindow


def _tab_titles(win: ReplayWindow) -> list[str]:
    return [win.tabs.tabText(i) for i in range(win.tabs.count())]


def test_the_quiz_tab_recounts_and_verifies(qtbot: QtBot, tmp_path: Path) -> None:
    path = synthesise_games(tmp_path / "games.livedesk-session.sqlite")
    win = ReplayWindow(path)
    qtbot.addWidget(win)
    assert "答题" in _tab_titles(win)
    tab = win.quiz_tab
    assert tab is not None and tab.failed == 0 and tab.alarm.isHidden()
    t = tab.table
    row = [t.item(0, c).text() for c in range(t.columnCount())]
    assert row[0] == "主播今天涂的是几号色？"
    assert row[1] == "A. 01 正红 · 1 / B. 02 豆沙 · 4 / C. 03 橘棕 · 1"
    assert row[2] == "B. 02 豆沙" and row[3] == "6" and row[4] == "4" and row[5] == "✔"
    assert row[6].startswith("正红口红一支 · 4 人参与 · ") and row[7] == "✔"
    lt = win.lottery_tab.table
    prizes = [lt.item(r, 0).text() for r in range(lt.rowCount())]
    assert "神秘盲盒 · 盲盒" in prizes
    box_row = prizes.index("神秘盲盒 · 盲盒")
    assert " — " in lt.item(box_row, 8).text() and lt.item(box_row, 7).text() == "✔"
    win.close()


def test_the_report_shows_the_quiz_and_its_draw(tmp_path: Path) -> None:
    path = synthesise_games(tmp_path / "games.livedesk-session.sqlite")
    with SessionFile(path) as f:
        page = build_html(f)
        english = build_html(f, lang="en")
    quiz = page[page.index('<h2 id="quiz">答题</h2>') :]
    quiz = quiz[: quiz.index("</table>")]
    assert "主播今天涂的是几号色？" in quiz
    assert "A. 01 正红 · 1 / B. 02 豆沙 · 4 / C. 03 橘棕 · 1" in quiz
    assert "<td>B. 02 豆沙</td>" in quiz and '<td class="n">6</td><td class="n">4</td>' in quiz
    assert "正红口红一支 · 4 人参与 · " in quiz and quiz.count("<td>✔</td>") == 2
    assert 'class="fail"' not in quiz
    assert '<h2 id="quiz">Quiz</h2>' in english and "Draw among correct" in english
    assert "4 entered" in english


def test_a_changed_tally_in_the_file_is_shown_loudly(qtbot: QtBot, tmp_path: Path) -> None:
    path = synthesise_games(tmp_path / "games.livedesk-session.sqlite")
    conn = sqlite3.connect(path)
    (js,) = conn.execute("SELECT json FROM entities WHERE kind='quiz'").fetchone()
    quiz = orjson.loads(js)
    quiz["tally"] = [0, 5, 0]
    quiz["correct_ids"] = [*quiz["correct_ids"], "u3"]
    conn.execute("UPDATE entities SET json=? WHERE kind='quiz'", (orjson.dumps(quiz).decode(),))
    conn.commit()
    conn.close()
    f = SessionFile(path)
    [r] = quizzes_of(f)
    assert not r.tally_ok and not r.correct_ok and not r.ok
    assert r.entrants_ok  # the draw's entrants still match what the recorded comments say
    f.close()
    win = ReplayWindow(path)
    qtbot.addWidget(win)
    assert "答题 ✗ 复算不一致" in _tab_titles(win)
    assert win.quiz_tab is not None and not win.quiz_tab.alarm.isHidden()
    assert "主播今天涂的是几号色？" in win.quiz_tab.alarm.text()
    win.close()
    with SessionFile(path) as f2:
        page = build_html(f2, lang="en")
    assert '<p class="fail">✗ Quiz “主播今天涂的是几号色？” does not recount' in page
