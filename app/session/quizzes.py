"""A recorded quiz (答题) checked from the session file alone, and the lottery that followed it.

For each quiz the console recorded (its states in ``local_events``, its last state in ``entities``
kind ``quiz``), :func:`quiz_results` recounts the answers from the recorded comments by the
quiz's own rules (:class:`app.live.quiz.Answers`: the comments with ``after_seq < seq ≤
last_seq``, viewers only, each viewer's first valid answer) and compares:

- ``tally_ok``: the recount per option == the tally the console showed;
- ``correct_ok``: the recounted correct answerers == the ``correct_ids`` revealed;
- ``entrants_ok``: the lottery drawn among them (``quiz.lottery_id``) had exactly those entrants;
- the lottery's own verification (commitment recorded at its open, digest, winners recomputed:
  :func:`app.live.lottery_verify.verify`).

``ok`` is all of them (a quiz without a lottery needs only the first two). A file with gaps
(``meta.gaps``) may lack comments: ``gaps`` says so, and the recount may then fall short.

:data:`QUIZ_HEADERS`, :func:`quiz_cells` and :func:`quiz_alarm` are the quiz table's columns,
the same in the replay's 答题 tab and the HTML report (words through the reader's ``tr``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from app.i18n import Translate, tr_noop
from app.live.comment_kinds import Kind
from app.live.quiz import LETTERS, Answers
from app.platform import models as m
from app.session.replay import LotteryResult, SessionFile


@dataclass(frozen=True)
class QuizResult:
    quiz: m.Quiz
    tally: tuple[int, ...]  # recounted from the recorded comments
    correct_ids: tuple[str, ...]  # recounted
    lottery: LotteryResult | None  # the draw among the correct answerers, if any
    gaps: bool = False  # the file lacks some of the platform's events

    @property
    def tally_ok(self) -> bool:
        return list(self.tally) == list(self.quiz.tally)

    @property
    def correct_ok(self) -> bool:
        if self.quiz.status != "revealed":
            return True
        return list(self.correct_ids) == list(self.quiz.correct_ids or [])

    @property
    def entrants_ok(self) -> bool:
        if self.lottery is None:
            return True
        lot = self.lottery.lottery
        if lot.participant_ids is not None:  # drawn: the published list
            return list(lot.participant_ids) == list(self.correct_ids)
        return lot.entrants == len(self.correct_ids)

    @property
    def ok(self) -> bool:
        lottery_ok = self.lottery is None or not self.lottery.verification.failed
        return self.tally_ok and self.correct_ok and self.entrants_ok and lottery_ok


def recount(conn: sqlite3.Connection, quiz: m.Quiz) -> Answers:
    """The quiz's counted answers, from the recorded comments alone."""
    answers = Answers(quiz.options)
    if quiz.last_seq is None:
        return answers
    for uid, nick, text, kind in conn.execute(
        "SELECT user_id, nickname, text, kind FROM comments WHERE seq > ? AND seq <= ?"
        " ORDER BY seq",
        (quiz.after_seq, quiz.last_seq),
    ):
        if not kind & Kind.STAFF:
            answers.add(uid, nick, text)
    return answers


def quiz_results(
    conn: sqlite3.Connection, lotteries: Sequence[LotteryResult], gaps: bool = False
) -> list[QuizResult]:
    """Every recorded quiz, in the order they started, with its recount and its lottery."""
    by_id = {r.lottery.id: r for r in lotteries}
    out: list[QuizResult] = []
    for (js,) in conn.execute("SELECT json FROM entities WHERE kind='quiz' ORDER BY first_ts"):
        quiz = m.Quiz.model_validate(orjson.loads(js))
        answers = recount(conn, quiz)
        lot = by_id.get(quiz.lottery_id) if quiz.lottery_id else None
        out.append(
            QuizResult(
                quiz,
                tuple(answers.tally()),
                tuple(answers.correct_ids(quiz.correct)),
                lot,
                gaps,
            )
        )
    return out


def quizzes_of(f: SessionFile) -> list[QuizResult]:
    """The quizzes of an open session file (the replay window's and the report's)."""
    return quiz_results(f.conn, f.lotteries(), bool(f.meta.get("gaps")))


QUIZ_HEADERS = [
    tr_noop("题目"),
    tr_noop("选项 · 票数"),
    tr_noop("正确答案"),
    tr_noop("作答人数"),
    tr_noop("答对人数"),
    tr_noop("评论复算"),
    tr_noop("答对者抽奖"),
    tr_noop("抽奖验证"),
]
#: the columns that say whether the quiz checks out (red when it does not)
QUIZ_CHECK_COLUMNS = (5, 7)


def quiz_cells(r: QuizResult, tr: Translate) -> list[object]:
    """One quiz's row: question, each option with its count, the correct answer, answerers,
    correct answerers, the recount's verdict, the draw among the correct answerers and its
    verification (✔ / ✘, 未开奖, — for none)."""
    q = r.quiz

    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    options = " / ".join(
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


def quiz_alarm(r: QuizResult, tr: Translate) -> str | None:
    """The loud line for a quiz that does not check out, or None."""
    if r.ok:
        return None
    return tr("✗ 答题「{q}」复算不一致：计票、答对者或其抽奖无法从录制中证明").format(
        q=r.quiz.question
    )
