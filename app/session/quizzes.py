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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from app.live.comment_kinds import Kind
from app.live.quiz import Answers
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
