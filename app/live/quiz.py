"""The quiz (答题): LiveDesk's own game among commenters, on any platform with comments.

The operator asks a question with 2–4 options (and, optionally, the correct one); viewers answer
by comment. The rules, the same live (:class:`Quizzes`) and in the replay's recount
(app/session/quizzes.py), both through :class:`Answers`:

- **An answer** (:func:`parse_answer`) is a comment whose whole text, stripped and NFKC-folded
  (full-width ＡＢ１２ read as AB12), is exactly one option's text (also folded), or the option's
  letter (A–D, either case) or number (1–4). The option's text is tried first: with options
  "1" and "2", a comment "2" picks the option reading "2". A letter or number past the last
  option, or anything else ("A吧", "选A"), is no answer and does not use up the viewer's turn.
- **One answer per viewer, the first counts**: later answers of the same viewer are ignored.
  Only viewers answer (``comment.role == "viewer"``: operators' comments never count).
- **The window** is by the platform's seq, so it is recomputable from a recording: the comments
  with ``after_seq < seq ≤ last_seq``, where ``after_seq`` is the room's seq when the quiz opened
  and ``last_seq`` the room's seq when answering closed (by hand, at the reveal, or when its
  duration ran out: the first batch seen after ``ends_ts`` closes it before any of its comments).
- **Reveal**: answering closes; with a correct option, ``correct_ids`` is the sorted set of the
  viewers whose counted answer is correct.
- **Draw among the correct answerers** (:meth:`Quizzes.draw_among_correct`): a console lottery
  whose entrants are exactly ``correct_ids`` (:meth:`ConsoleLotteries.open_among`), commitment
  published at its open, drawn by hand and verified like any console lottery.

The quiz's states are local events (``quiz_started`` / ``quiz_updated`` / ``quiz_revealed``,
:data:`app.platform.models.CONSOLE_ONLY_EVENTS`) through :meth:`LiveRoom.ingest_local`: the room
keeps ``room.quizzes``, the overlay shows it, the recorder keeps it in ``local_events``. One
``quiz_updated`` per batch of events that changed the tally, not one per answer. At most one quiz
is open at a time; it lives on the console that opened it.

**A restart** (:meth:`Quizzes.restore`): the latest quiz and its counted answers are kept in a
journal (app/live/pending_games.py) until its draw opens or a newer quiz starts — each batch's new
answers with the seq of the last one. A restarted console brings the quiz of the still-live
session back: one that was taking answers is closed at the last journaled answer's seq
(``last_seq``), so the tally is exactly the answers of the recorded comments up to there and the
replay's recount agrees; answers made while the console was down are not counted (the operator is
told so), and the operator can reveal it and draw among the correct answerers as before. A quiz of
a session that has ended is dropped, and the operator told.
"""

from __future__ import annotations

import time
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.i18n import tr
from app.live.console_lottery import ConsoleLotteries
from app.live.pending_games import GameJournal
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError

ET = m.EventType

MAX_QUESTION = 200
MAX_OPTION = 40
MAX_DURATION_S = 3600
LETTERS = "ABCD"


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse_answer(text: str, options: Sequence[str]) -> int | None:
    """The option (0-based) a comment answers, or None (see the module docstring)."""
    t = _fold(text)
    if not t:
        return None
    for i, opt in enumerate(options):
        if t == _fold(opt):
            return i
    if len(t) == 1:
        up = t.upper()
        if up in LETTERS:
            i = LETTERS.index(up)
        elif t in "1234":
            i = int(t) - 1
        else:
            return None
        return i if i < len(options) else None
    return None


@dataclass
class Answers:
    """The counted answers of one quiz: the first valid answer of each viewer."""

    options: Sequence[str]
    chosen: dict[str, int] = field(default_factory=dict)  # user id → option
    nicknames: dict[str, str] = field(default_factory=dict)

    def add(self, user_id: str, nickname: str, text: str) -> bool:
        """Count this comment if it is the viewer's first answer; True when it counted."""
        if user_id in self.chosen:
            return False
        i = parse_answer(text, self.options)
        if i is None:
            return False
        self.chosen[user_id] = i
        self.nicknames[user_id] = nickname
        return True

    def tally(self) -> list[int]:
        out = [0] * len(self.options)
        for i in self.chosen.values():
            out[i] += 1
        return out

    def correct_ids(self, correct: int | None) -> list[str]:
        if correct is None:
            return []
        return sorted(u for u, i in self.chosen.items() if i == correct)


def question_problem(question: str, options: Sequence[str], correct: int | None) -> str | None:
    """Why this question cannot be asked (operator-readable), or None."""
    if not question.strip():
        return tr("请填写题目")
    if len(question) > MAX_QUESTION:
        return tr("题目太长（最多 {n} 字）").format(n=MAX_QUESTION)
    opts = [o.strip() for o in options]
    if not 2 <= len(opts) <= 4 or any(not o for o in opts):
        return tr("需要 2–4 个选项，每个都要填写")
    if any(len(o) > MAX_OPTION for o in opts):
        return tr("选项太长（最多 {n} 字）").format(n=MAX_OPTION)
    if len({_fold(o) for o in opts}) != len(opts):
        return tr("选项不能重复")
    if correct is not None and not 0 <= correct < len(opts):
        return tr("正确答案不在选项里")
    return None


def _add_journaled(answers: Answers, adds: Sequence[Sequence[object]]) -> None:
    """Journaled answers ([user id, nickname, option]) into ``answers``, the first counting."""
    for row in adds:
        try:
            uid, nick, i = str(row[0]), str(row[1]), int(str(row[2]))
        except (IndexError, ValueError):
            continue
        if uid not in answers.chosen and 0 <= i < len(answers.options):
            answers.chosen[uid] = i
            answers.nicknames[uid] = nick


@dataclass
class _Running:
    quiz: m.Quiz
    answers: Answers


class Quizzes:
    """The quizzes this console runs on one room. ``close()`` when the room goes."""

    def __init__(
        self,
        room: LiveRoom,
        lotteries: ConsoleLotteries,
        *,
        clock: Callable[[], float] = time.time,
        journal: GameJournal | None = None,
    ) -> None:
        self.room = room
        self.lotteries = lotteries
        self._clock = clock
        self._journal = journal
        self._running: _Running | None = None
        self._answers: dict[str, Answers] = {}  # quiz id → its counted answers (kept after)
        self._session: str | None = None  # the session of the journaled quiz
        self._answered_seq: int | None = None  # the seq of the journaled quiz's last answer
        self._unsubscribe: Callable[[], None] | None = room.subscribe_events(self._on_events)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._journal is not None:
            self._journal.close()

    # --- the journal (app/live/pending_games.py) -----------------------------------------------
    def _save(self, quiz: m.Quiz | None) -> None:
        """The journal := this quiz (its state, every counted answer), or nothing."""
        if self._journal is None:
            return
        if quiz is None or quiz.lottery_id is not None:
            self._journal.rewrite([])
            return
        answers = self._answers.get(quiz.id)
        chosen = answers.chosen if answers is not None else {}
        nicks = answers.nicknames if answers is not None else {}
        record = {
            "k": "quiz",
            "session": self._session,
            "quiz": quiz.model_dump(mode="json"),
            "answers": [[u, nicks.get(u, ""), i] for u, i in chosen.items()],
            "seq": self._answered_seq,
        }
        self._journal.rewrite([record])

    def restore(self) -> list[str]:
        """Bring back the journaled quiz of the live session (see the module docstring); what is
        said to the operator."""
        if self._journal is None:
            return []
        quiz: m.Quiz | None = None
        answers: Answers | None = None
        session: str | None = None
        seq: int | None = None
        for rec in self._journal.load():
            adds: list[list[object]] = []
            if rec.get("k") == "quiz":
                try:
                    quiz = m.Quiz.model_validate(rec["quiz"])
                except (KeyError, ValueError):
                    quiz = answers = None
                    continue
                answers = Answers(quiz.options)
                session, seq = rec.get("session"), rec.get("seq")
                adds = rec.get("answers") or []
            elif rec.get("k") == "answers" and quiz is not None and rec.get("id") == quiz.id:
                adds = rec.get("add") or []
                seq = rec.get("seq", seq)
            if answers is not None:
                _add_journaled(answers, adds)
        if quiz is None or answers is None or quiz.id in self.room.quizzes:
            return []
        live = self.room.session
        if live is None or live.status != "live" or live.id != session:
            self._journal.rewrite([])
            return [
                tr("答题「{q}」所属的场次在中控台重启前已结束：该题作废").format(q=quiz.question)
            ]
        self._session = session
        self._answers[quiz.id] = answers
        self._answered_seq = seq
        said: str
        if quiz.status == "open":
            last = max(quiz.after_seq, int(seq) if seq is not None else quiz.after_seq)
            quiz = quiz.model_copy(
                update={
                    "status": "closed",
                    "last_seq": last,
                    "tally": answers.tally(),
                    "answerers": len(answers.chosen),
                }
            )
            said = tr(
                "答题「{q}」在中控台重启时截止作答：保留重启前的 {n} 份答案，"
                "中控台关闭期间的回答没有看到，不计入；可以揭晓答案"
            ).format(q=quiz.question, n=len(answers.chosen))
        else:
            said = tr("中控台重启前的答题「{q}」已恢复").format(q=quiz.question)
        self._publish(ET.QUIZ_UPDATED, quiz)
        self._save(quiz)
        return [said]

    @property
    def current(self) -> m.Quiz | None:
        """The quiz open for answers, if any."""
        return self._running.quiz if self._running is not None else None

    def answers(self, quiz_id: str) -> Answers | None:
        return self._answers.get(quiz_id)

    # --- the operator's steps ----------------------------------------------------------------
    def start(
        self,
        question: str,
        options: Sequence[str],
        correct: int | None = None,
        duration_seconds: int = 0,
    ) -> m.Quiz:
        problem = question_problem(question, options, correct)
        if problem is not None:
            raise PlatformError("invalid_quiz", problem, status=422)
        if self._running is not None:
            raise PlatformError("quiz_open", tr("还有一道题在答题中，请先揭晓"), status=409)
        duration = max(0, min(int(duration_seconds), MAX_DURATION_S))
        now = self._clock()
        opts = [o.strip() for o in options]
        quiz = m.Quiz(
            id=f"q-{uuid.uuid4().hex[:12]}",
            question=question.strip(),
            options=opts,
            correct=correct,
            duration_seconds=duration,
            starts_ts=now,
            ends_ts=now + duration,
            after_seq=self.room.seq,
            tally=[0] * len(opts),
        )
        answers = Answers(opts)
        self._running = _Running(quiz, answers)
        self._answers[quiz.id] = answers
        session = self.room.session
        self._session = session.id if session is not None else None
        self._answered_seq = None
        self._save(quiz)
        self._publish(ET.QUIZ_STARTED, quiz)
        return quiz

    def tick(self) -> None:
        """Close answering when the duration has run out (the panel calls this every second)."""
        r = self._running
        if r is not None and self._due(r.quiz):
            self._close(r, self.room.seq)

    def close_answers(self) -> m.Quiz:
        """Stop taking answers now (the reveal comes later)."""
        r = self._running
        if r is None:
            raise PlatformError("no_quiz", tr("没有正在答题的题目"), status=409)
        return self._close(r, self.room.seq)

    def reveal(self, quiz_id: str | None = None) -> m.Quiz:
        """Close answering (if open) and reveal the correct option and who got it right."""
        r = self._running
        qid = quiz_id or (r.quiz.id if r is not None else None)
        quiz = self.room.quizzes.get(qid) if qid else None
        if quiz is None:
            raise PlatformError("no_quiz", tr("没有可以揭晓的题目"), status=409)
        if quiz.status == "revealed":
            raise PlatformError("quiz_revealed", tr("这道题已经揭晓了"), status=409)
        if r is not None and r.quiz.id == quiz.id:
            quiz = self._close(r, self.room.seq)
        answers = self._answers.get(quiz.id)
        correct_ids = answers.correct_ids(quiz.correct) if answers is not None else []
        quiz = quiz.model_copy(update={"status": "revealed", "correct_ids": correct_ids})
        self._publish(ET.QUIZ_REVEALED, quiz)
        self._save(quiz)
        return quiz

    def draw_among_correct(self, quiz_id: str, prize: str, winners: int) -> m.Lottery:
        """Open a console lottery among exactly this quiz's correct answerers (drawn by hand)."""
        quiz = self.room.quizzes.get(quiz_id)
        if quiz is None or quiz.status != "revealed":
            raise PlatformError("not_revealed", tr("请先揭晓答案"), status=409)
        if quiz.correct is None:
            raise PlatformError("no_correct", tr("这道题没有正确答案，无法在答对者中抽奖"))
        if quiz.lottery_id is not None:
            raise PlatformError("quiz_drawn", tr("这道题已经在答对者中抽过奖了"), status=409)
        if not prize.strip():
            raise PlatformError("invalid_prize", tr("请填写奖品"), status=422)
        ids = quiz.correct_ids or []
        if not ids:
            raise PlatformError("no_entrants", tr("没有人答对，无法抽奖"), status=409)
        answers = self._answers.get(quiz_id)
        nicks = answers.nicknames if answers is not None else {}
        entrants = {u: nicks.get(u, "") for u in ids}
        lot = self.lotteries.open_among(prize.strip(), winners, entrants, quiz_id=quiz_id)
        quiz = quiz.model_copy(update={"lottery_id": lot.id})
        self._publish(ET.QUIZ_UPDATED, quiz)
        self._save(quiz)  # the draw has its own journal now
        return lot

    # --- answers -----------------------------------------------------------------------------
    def _due(self, quiz: m.Quiz) -> bool:
        return quiz.duration_seconds > 0 and self._clock() >= quiz.ends_ts

    def _close(self, r: _Running, last_seq: int) -> m.Quiz:
        self._running = None
        quiz = r.quiz.model_copy(
            update={
                "status": "closed",
                "last_seq": last_seq,
                "tally": r.answers.tally(),
                "answerers": len(r.answers.chosen),
            }
        )
        self._publish(ET.QUIZ_UPDATED, quiz)
        self._save(quiz)
        return quiz

    def _on_events(self, batch: Sequence[m.Event]) -> None:
        r = self._running
        if r is None or not batch:
            return
        if self._due(r.quiz):  # out of time: nothing from this batch counts
            self._close(r, batch[0].seq - 1)
            return
        added: list[list[object]] = []
        after = r.quiz.after_seq
        for ev in batch:
            if ev.type is not ET.COMMENT or ev.seq <= after:
                continue
            c: m.Comment = ev.data.comment
            if c.role == "viewer" and r.answers.add(c.user_id, c.nickname, c.text):
                added.append([c.user_id, c.nickname, r.answers.chosen[c.user_id]])
                self._answered_seq = ev.seq
        if added:
            if self._journal is not None:
                rec = {"k": "answers", "id": r.quiz.id, "seq": self._answered_seq, "add": added}
                self._journal.append(rec)
            r.quiz = r.quiz.model_copy(
                update={"tally": r.answers.tally(), "answerers": len(r.answers.chosen)}
            )
            self._publish(ET.QUIZ_UPDATED, r.quiz)

    def _publish(self, kind: m.EventType, quiz: m.Quiz) -> None:
        try:
            actor: m.Actor | None = m.Actor(role=m.Role(self.room.role), token_id="")
        except ValueError:
            actor = None
        data = m.QuizData(quiz=quiz, actor=actor if kind is not ET.QUIZ_UPDATED else None)
        self.room.ingest_local([m.Event(seq=self.room.seq, ts=self._clock(), type=kind, data=data)])
