"""The 答题 dock on a platform without lotteries (the real sandbox restricted to interaction):
a flagged word blocks the start with its reason until edited; the question starts from the
panel; commenters answer through the real stream and the bars count them; the one key reveals;
the draw among the correct answerers opens (commitment shown), draws, and verifies ✓; the
overlay shows the question with its tally and then the reveal. Banks: a question saved to a
bank comes back into the form, and a hand-edited bank's bad question is named in the panel."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.live import quiz_bank
from app.overlays.controller import derive
from app.overlays.images import ImageCache
from tests.support.console import Console
from ui.marketing.lottery import grouped
from ui.marketing.quiz import QuizPanel

BILIBILI_LIKE = "interaction,live_state,viewers"


async def test_a_quiz_from_the_panel_to_a_verified_draw_among_the_correct_answerers(
    qtbot: QtBot,
    sandbox_server: Any,
    restricted_room: Callable[..., Awaitable[Any]],
    until: Any,
) -> None:
    srv = sandbox_server(live=True, debug_routes=True)
    room = await restricted_room(srv, BILIBILI_LIKE)
    console = Console(qtbot, room)
    panel = console.panel("quiz", QuizPanel)
    console.window.setCentralWidget(panel)
    console.window.show()
    panel.question.setText("今天哪个色号卖得最好？")  # 最好: flagged
    assert "最好" in panel.problem_label.text() and not panel.start_button.isEnabled()
    panel.question.setText("主播今天涂的是几号色？")
    panel.options[0].setText("01 正红")
    panel.options[1].setText("02 全网最低价")  # a flagged term: blocks, with the reason
    assert not panel.start_button.isEnabled()
    assert panel.problem_label.isVisible() and "全网最低" in panel.problem_label.text()
    panel.options[1].setText("02 豆沙")
    panel.options[2].setText("03 橘棕")
    assert not panel.problem_label.isVisible() and panel.start_button.isEnabled()
    panel.correct.setCurrentIndex(panel.correct.findData(1))
    assert panel.correct.currentText() == "B. 02 豆沙"
    panel.duration.setValue(0)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    await until(lambda: panel.current() is not None, what="the quiz in the panel")
    assert not panel.start_button.isEnabled() and panel.reveal_button.isEnabled()
    answers = [("v1", "B"), ("v2", "２"), ("v3", "A"), ("v4", "02 豆沙"), ("v1", "C"), ("v5", "D")]
    async with httpx.AsyncClient(base_url=srv.api(), headers=srv.headers(), timeout=30) as c:
        for uid, text in answers:
            body = {"user_id": uid, "nickname": f"<b>{uid}</b>", "text": text}
            (await c.post("/_debug/viewer-comment", json=body)).raise_for_status()
    await until(lambda: "4 人作答" in panel.status.text(), what="4 answers counted")
    bars = [bar.value() for _, bar in panel.bars[:3]]
    assert bars == [1, 3, 0] and panel.bars[1][1].text() == "3 人"
    assert not panel.bars[3][1].isVisible()  # no option D
    quiz = panel.current()
    assert quiz is not None
    card = derive(room, quiz.starts_ts + 1, ImageCache(), {}).quiz
    assert card is not None and card.tally == (1, 3, 0) and card.status == "open"
    # the one key reveals the running question
    panel.window().activateWindow()
    console.shortcuts.actions["quiz.start_or_reveal"].trigger()
    await until(lambda: "正确答案 B，答对 3 人" in panel.result.text(), what="the reveal")
    assert panel.bars[1][0].text().endswith("✓") and panel.draw_box.isVisible()
    card = derive(room, quiz.starts_ts + 2, ImageCache(), {}).quiz
    assert card is not None and card.correct == 1 and card.correct_count == 3
    assert not panel.draw_open_button.isEnabled()  # no prize yet
    panel.prize.setText("正红口红一支")
    panel.winners.setValue(2)
    qtbot.mouseClick(panel.draw_open_button, Qt.MouseButton.LeftButton)
    lot_id = room.quizzes[quiz.id].lottery_id
    assert lot_id is not None
    lot = room.lotteries[lot_id]
    assert lot.entrants == 3 and grouped(lot.commitment) in panel.commitment.text()
    assert "参与 3 人" in panel.commitment.text()
    qtbot.mouseClick(panel.draw_button, Qt.MouseButton.LeftButton)
    assert panel.winners_list.count() == 2
    assert {panel.winners_list.item(i).text() for i in range(2)} <= {"<b>v1</b>", "<b>v2</b>",
                                                                      "<b>v4</b>"}  # fmt: skip
    assert panel.verdict.text().startswith("✓ 验证通过"), panel.verdict.text()
    assert room.lotteries[lot_id].participant_ids == ["v1", "v2", "v4"]
    assert console.errors == []


def test_banks_save_load_and_name_a_bad_question(qtbot: QtBot, tmp_path: Any) -> None:
    from app.live.console_lottery import ConsoleLotteries
    from app.live.quiz import Quizzes
    from tests.unit.live.test_console_lottery import _room
    from ui.notify import Notifier

    bad = {"questions": [{"question": "好问题", "options": ["是", "否"], "correct": 0},
                         {"question": "坏问题", "options": ["只有一个"]},
                         {"question": "哪款最好？", "options": ["是", "否"]}]}  # fmt: skip
    (tmp_path / "手改题库.json").write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    room = _room()
    lots = ConsoleLotteries(room)
    host = Notifier(None)
    panel = QuizPanel(room, host, Quizzes(room, lots), lots, banks_dir=tmp_path)
    qtbot.addWidget(panel)
    panel.show()
    panel.bank.setEditText("手改题库")
    assert panel.bank_list.count() == 2 and panel.bank_errors.isVisible()
    assert panel.bank_errors.text().startswith("第 2 题：")
    flagged = panel.bank_list.item(1)
    assert flagged.text() == "⚠ 哪款最好？" and "最好" in flagged.toolTip()
    panel.bank_list.setCurrentRow(1)
    panel.load_selected()  # loaded, it blocks the start with the reason until edited
    assert not panel.start_button.isEnabled() and "最好" in panel.problem_label.text()
    panel.bank_list.setCurrentRow(0)
    panel.load_selected()
    assert panel.question.text() == "好问题" and panel.correct.currentData() == 0
    panel.bank.setEditText("新题库")
    panel.question.setText("几号链接？")
    panel.options[0].setText("1号")
    panel.options[1].setText("2号")
    panel.save_to_bank()
    saved = quiz_bank.load_bank(tmp_path / "新题库.json")
    assert [q.question for q in saved.questions] == ["几号链接？"] and not saved.errors
    assert panel.bank.findText("新题库") >= 0 and panel.bank_list.count() == 1
