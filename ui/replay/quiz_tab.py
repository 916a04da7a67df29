"""The replay's quiz tab (答题): each recorded quiz — question, options with their tally, the
correct answer, how many got it right — checked from the file alone (app/session/quizzes.py:
the answers recounted from the recorded comments), and the lottery drawn among the correct
answerers with its verification. A quiz whose check fails is named in a red banner above the
table (explicit text, never only a tooltip), as the lottery tab does."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from app.live.quiz import LETTERS
from app.session.quizzes import QuizResult
from ui.i18n import tr
from ui.replay.checked_table import CheckedTable

HEADERS = [
    "题目",
    "选项 · 票数",
    "正确答案",
    "作答人数",
    "答对人数",
    "评论复算",
    "答对者抽奖",
    "抽奖验证",
]
_CHECK_COLUMNS = (5, 7)


def quiz_cells(r: QuizResult) -> list[object]:
    q = r.quiz

    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    options = "  ".join(
        f"{LETTERS[i]}. {o} · {q.tally[i] if i < len(q.tally) else 0}"
        for i, o in enumerate(q.options)
    )
    correct = f"{LETTERS[q.correct]}. {q.options[q.correct]}" if q.correct is not None else "—"
    recount = mark(r.tally_ok and r.correct_ok and r.entrants_ok)
    if not (r.tally_ok and r.correct_ok) and r.gaps:
        recount += " " + tr("（录制有缺口）")
    lottery, verdict = "—", "—"
    if r.lottery is not None:
        lot = r.lottery.lottery
        names = "、".join(lot.winner_nicknames or lot.winner_ids or [])
        lottery = f"{lot.prize} · {tr('{n} 人参与').format(n=lot.entrants)}"
        if names:
            lottery += f" · {names}"
        v = r.lottery.verification
        verdict = tr("未开奖") if not v.drawn else mark(v.ok)
    return [
        q.question,
        options,
        correct,
        q.answerers,
        len(q.correct_ids or []) if q.status == "revealed" else "—",
        recount,
        lottery,
        verdict,
    ]


class QuizTab(CheckedTable):
    def __init__(self, results: Sequence[QuizResult], parent: QWidget | None = None) -> None:
        alarm = tr("✗ 答题「{q}」复算不一致：计票、答对者或其抽奖无法从录制中证明")
        super().__init__(
            "quiz",
            HEADERS,
            [quiz_cells(r) for r in results],
            [None if r.ok else alarm.format(q=r.quiz.question) for r in results],
            _CHECK_COLUMNS,
            parent,
        )
