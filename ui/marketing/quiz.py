"""Quiz (答题) dock: ask a question by comment, watch the live tally, reveal, and draw a prize
among exactly the correct answerers (app/live/quiz.py; on stream through the overlay's quiz card).

- **The question**: 2–4 options (C and D may stay empty), an optional correct answer, a duration
  (不限时: answering stays open until revealed). Question and options are checked by the
  compliance rules while typing: a flagged word blocks 开始答题 with the reason shown in the
  panel, and the operator edits it away (a quiz is shown on stream word for word).
- **Layout**: the current question (status, bars, reveal, the draw) on top — what runs now is
  what the operator watches — then the form, then the bank.
- **Question banks** (题库, app/live/quiz_bank.py): pick a bank, load a question into the form,
  add the form's question to the bank (saved at once). A bank with bad questions loads the good
  ones and lists each bad one in the panel; a question with a flagged word is marked ⚠ in red
  in the list (the reason as its tool tip), and blocks the start once loaded, until edited.
- **One key** (Ctrl+Alt+Q): starts the question in the form; while one runs, reveals it.
- **After the reveal**: 在答对者中抽奖 opens a console lottery among exactly the correct
  answerers (commitment shown at once, as on stream), 开奖 draws it; the winners and the
  verification verdict show here, the winners card on stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.format import countdown
from app.live import quiz_bank
from app.live.console_lottery import ConsoleLotteries
from app.live.quiz import LETTERS, Quizzes, question_problem
from app.live.room import LOTTERIES, QUIZZES, LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError
from ui import theme
from ui.i18n import localize, tr
from ui.lifetime import unsubscribe_on_destroy
from ui.marketing.common import GROUP, compliance_problems
from ui.marketing.lottery import FAILED_STYLE, PASSED_STYLE, grouped, verdict_text
from ui.notify import Notifier
from ui.shortcuts import ActionSpec

if TYPE_CHECKING:
    from ui.context import ConsoleContext

T = TypeVar("T")
STATUS = {"open": "答题中", "closed": "已停止作答", "revealed": "已揭晓"}


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class QuizPanel(QWidget):
    def __init__(
        self,
        room: LiveRoom,
        notifier: Notifier,
        quizzes: Quizzes,
        lotteries: ConsoleLotteries,
        parent: QWidget | None = None,
        *,
        banks_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.room = room
        self.notifier = notifier
        self.quizzes = quizzes
        self.lotteries = lotteries
        self.banks_dir = banks_dir or quiz_bank.banks_dir()
        self.bank_questions: list[quiz_bank.Question] = []

        # the question bank
        self.bank = QComboBox(self)
        self.bank.setObjectName("quizBank")
        self.bank.setEditable(True)  # type a new bank's name to make one
        self.bank.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.bank.setPlaceholderText(tr("题库名称"))
        self.bank_list = QListWidget(self)
        self.bank_list.setObjectName("quizBankQuestions")
        self.bank_list.setMaximumHeight(110)
        self.bank_errors = _plain(QLabel(self))
        self.bank_errors.setObjectName("quizBankErrors")
        self.bank_errors.setStyleSheet(theme.text_style(theme.WARNING))
        self.bank_errors.hide()
        self.load_button = QPushButton(tr("载入到表单"), self)
        self.load_button.setObjectName("quizLoad")
        self.save_button = QPushButton(tr("存入题库"), self)
        self.save_button.setObjectName("quizSave")
        bank_box = QGroupBox(tr("题库"), self)
        bb = QVBoxLayout(bank_box)
        bb.addWidget(self.bank)
        bb.addWidget(self.bank_list)
        bb.addWidget(self.bank_errors)
        row = QHBoxLayout()
        row.addWidget(self.load_button)
        row.addWidget(self.save_button)
        bb.addLayout(row)

        # the question
        self.question = QLineEdit(self)
        self.question.setObjectName("quizQuestion")
        self.question.setPlaceholderText(tr("题目，如 主播今天涂的是几号色？"))
        self.question.setMaxLength(200)
        self.options: list[QLineEdit] = []
        for i, letter in enumerate(LETTERS):
            e = QLineEdit(self)
            e.setObjectName(f"quizOption{letter}")
            e.setMaxLength(40)
            e.setPlaceholderText(tr("选项 {x}").format(x=letter) if i < 2 else tr("可不填"))
            self.options.append(e)
        self.correct = QComboBox(self)
        self.correct.setObjectName("quizCorrect")
        self.duration = QSpinBox(self)
        self.duration.setObjectName("quizDuration")
        self.duration.setRange(0, 3600)
        self.duration.setSpecialValueText(tr("不限时（揭晓时停止）"))
        self.duration.setSuffix(tr(" 秒"))
        self.duration.setValue(30)
        self.problem_label = _plain(QLabel(self))
        self.problem_label.setObjectName("quizProblem")
        self.problem_label.setStyleSheet(theme.text_style(theme.DANGER))
        self.problem_label.hide()
        form = QFormLayout()
        form.addRow(tr("题目"), self.question)
        for letter, e in zip(LETTERS, self.options, strict=True):
            form.addRow(letter, e)
        form.addRow(tr("正确答案"), self.correct)
        form.addRow(tr("时长"), self.duration)
        self.start_button = QPushButton(tr("开始答题"), self)
        self.start_button.setObjectName("startQuiz")
        self.start_button.setStyleSheet("font-weight: 600;")

        # the current quiz
        self.status = _plain(QLabel(self))
        self.status.setObjectName("quizStatus")
        self.status.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.bars: list[tuple[QLabel, QProgressBar]] = []
        bars = QFormLayout()
        for letter in LETTERS:
            label = _plain(QLabel(letter, self))
            bar = QProgressBar(self)
            bar.setObjectName(f"quizBar{letter}")
            bar.setTextVisible(True)
            self.bars.append((label, bar))
            bars.addRow(label, bar)
        self.close_button = QPushButton(tr("停止作答"), self)
        self.close_button.setObjectName("closeQuiz")
        self.reveal_button = QPushButton(tr("揭晓答案"), self)
        self.reveal_button.setObjectName("revealQuiz")
        self.reveal_button.setStyleSheet("font-weight: 600;")
        self.result = _plain(QLabel(self))
        self.result.setObjectName("quizResult")
        actions = QHBoxLayout()
        actions.addWidget(self.close_button)
        actions.addWidget(self.reveal_button)

        # the draw among the correct answerers
        self.prize = QLineEdit(self)
        self.prize.setObjectName("quizPrize")
        self.prize.setPlaceholderText(tr("奖品，如 口红一支"))
        self.prize.setMaxLength(60)
        self.winners = QSpinBox(self)
        self.winners.setObjectName("quizWinners")
        self.winners.setRange(1, 1000)
        self.winners.setValue(1)
        self.draw_open_button = QPushButton(tr("在答对者中抽奖"), self)
        self.draw_open_button.setObjectName("quizOpenDraw")
        self.draw_button = QPushButton(tr("开奖"), self)
        self.draw_button.setObjectName("quizDraw")
        self.commitment = _plain(QLabel(self))
        self.commitment.setObjectName("quizCommitment")
        self.commitment.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.winners_list = QListWidget(self)
        self.winners_list.setObjectName("quizWinnersList")
        self.winners_list.setMaximumHeight(90)
        self.verdict = _plain(QLabel(self))
        self.verdict.setObjectName("quizVerdict")
        draw_form = QFormLayout()
        draw_form.addRow(tr("奖品"), self.prize)
        draw_form.addRow(tr("中奖人数"), self.winners)
        draw_row = QHBoxLayout()
        draw_row.addWidget(self.draw_open_button)
        draw_row.addWidget(self.draw_button)

        current = QGroupBox(tr("当前题目"), self)
        cl = QVBoxLayout(current)
        cl.addWidget(self.status)
        cl.addLayout(bars)
        cl.addLayout(actions)
        cl.addWidget(self.result)
        self.draw_box = QGroupBox(tr("答对者抽奖"), self)
        dl = QVBoxLayout(self.draw_box)
        dl.addLayout(draw_form)
        dl.addLayout(draw_row)
        dl.addWidget(self.commitment)
        dl.addWidget(self.winners_list)
        dl.addWidget(self.verdict)
        cl.addWidget(self.draw_box)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # live first: what runs now is what the operator watches; the bank is for before
        layout.addWidget(current)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.start_button)
        layout.addWidget(bank_box)
        layout.addStretch(1)

        self.start_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.close_answers)
        self.reveal_button.clicked.connect(self.reveal)
        self.draw_open_button.clicked.connect(self.open_draw)
        self.draw_button.clicked.connect(self.draw)
        self.load_button.clicked.connect(self.load_selected)
        self.save_button.clicked.connect(self.save_to_bank)
        self.bank.currentTextChanged.connect(self._bank_changed)
        self.bank_list.itemDoubleClicked.connect(lambda *_: self.load_selected())
        self.question.textChanged.connect(self._validate)
        for e in self.options:
            e.textChanged.connect(self._validate)
        self.prize.textChanged.connect(self._refresh)
        self._fill_correct()
        self._reload_banks()
        self._unsub = room.subscribe(self._changed)
        unsubscribe_on_destroy(self, self._unsub)
        self._clock = QTimer(self)
        self._clock.setInterval(500)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._validate()
        self._refresh()

    # --- the form ----------------------------------------------------------------------------
    def option_texts(self) -> list[str]:
        texts = [e.text().strip() for e in self.options]
        while len(texts) > 2 and not texts[-1]:
            texts.pop()
        return texts

    def correct_index(self) -> int | None:
        data = self.correct.currentData()
        return None if data is None or data < 0 else int(data)

    def _fill_correct(self) -> None:
        keep = self.correct.currentData()
        self.correct.blockSignals(True)
        self.correct.clear()
        self.correct.addItem(tr("不设（投票）"), -1)
        for i, text in enumerate(self.option_texts()):
            self.correct.addItem(f"{LETTERS[i]}. {text}" if text else LETTERS[i], i)
        idx = self.correct.findData(keep) if keep is not None else -1
        self.correct.setCurrentIndex(max(0, idx))
        self.correct.blockSignals(False)

    def problem(self) -> str:
        """Why 开始答题 is off: a missing or invalid field, or a flagged word (with its reason)."""
        opts = self.option_texts()
        flagged = [compliance_problems(t) for t in [self.question.text(), *opts]]
        flagged = [f for f in flagged if f]
        if flagged:  # first: it is what the operator must edit, whatever else is missing
            return tr("合规提示，请修改后再开始：") + "；".join(flagged)
        return question_problem(self.question.text(), opts, self.correct_index()) or ""

    def _validate(self) -> None:
        self._fill_correct()
        problem = self.problem()
        typed = bool(self.question.text().strip() or any(e.text().strip() for e in self.options))
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem) and typed)
        self._refresh()

    def set_question(self, q: quiz_bank.Question) -> None:
        self.question.setText(q.question)
        for i, e in enumerate(self.options):
            e.setText(q.options[i] if i < len(q.options) else "")
        self._fill_correct()
        self.correct.setCurrentIndex(
            max(0, self.correct.findData(-1 if q.correct is None else q.correct))
        )
        self.duration.setValue(q.duration_seconds)
        self._validate()

    # --- banks -------------------------------------------------------------------------------
    def _reload_banks(self, select: str | None = None) -> None:
        names = [p.stem for p in quiz_bank.list_banks(self.banks_dir)]
        current = select or self.bank.currentText() or (names[0] if names else tr("默认题库"))
        self.bank.blockSignals(True)
        self.bank.clear()
        self.bank.addItems(names)
        self.bank.setEditText(current)
        self.bank.blockSignals(False)
        self._bank_changed(current)

    def _bank_file(self) -> Path:
        return quiz_bank.bank_path(self.bank.currentText() or tr("默认题库"), self.banks_dir)

    def _bank_changed(self, _name: str) -> None:
        path = self._bank_file()
        loaded = quiz_bank.load_bank(path) if path.exists() else quiz_bank.Loaded()
        self.bank_questions = loaded.questions
        self.bank_list.clear()
        for q in loaded.questions:  # the compliance check shows on the bank's list too
            flagged = "；".join(
                f for f in (compliance_problems(t) for t in [q.question, *q.options]) if f
            )
            self.bank_list.addItem(f"⚠ {q.question}" if flagged else q.question)
            if flagged:
                item = self.bank_list.item(self.bank_list.count() - 1)
                item.setToolTip(tr("合规提示：") + flagged)
                item.setForeground(QColor(theme.DANGER))
        self.bank_errors.setText("\n".join(loaded.errors))
        self.bank_errors.setVisible(bool(loaded.errors))

    def load_selected(self) -> None:
        row = self.bank_list.currentRow()
        if 0 <= row < len(self.bank_questions):
            self.set_question(self.bank_questions[row])

    def save_to_bank(self) -> None:
        opts = self.option_texts()
        problem = question_problem(self.question.text(), opts, self.correct_index())
        if problem:
            self.notifier.error(problem)
            return
        q = quiz_bank.Question(
            self.question.text().strip(), tuple(opts), self.correct_index(), self.duration.value()
        )
        path = self._bank_file()
        kept = [x for x in self.bank_questions if x.question != q.question]
        try:
            quiz_bank.save_bank(path, [*kept, q])
        except OSError as exc:
            self.notifier.error(tr("保存题库失败：{why}").format(why=str(exc)))
            return
        self.notifier.info(tr("已存入题库「{name}」").format(name=path.stem))
        self._reload_banks(path.stem)

    # --- the quiz ----------------------------------------------------------------------------
    def current(self) -> m.Quiz | None:
        """The newest quiz of this room (running, or the last one revealed)."""
        if not self.room.quizzes:
            return None
        return max(self.room.quizzes.values(), key=lambda q: q.starts_ts)

    def _try(self, what: str, call: Callable[[], T]) -> T | None:
        """The console's own step, done at once; a refusal told to the operator (None)."""
        try:
            return call()
        except PlatformError as exc:
            self.notifier.error(
                tr("{what}失败：{why}").format(what=what, why=localize(exc.message))
            )
            return None

    def start(self) -> None:
        if self.problem() or self.quizzes.current is not None:
            return
        opts = self.option_texts()
        quiz = self._try(
            tr("开始答题"),
            lambda: self.quizzes.start(
                self.question.text(), opts, self.correct_index(), self.duration.value()
            ),
        )
        if quiz is not None:
            self.notifier.info(tr("答题已开始：观众评论 A/B/C/D 或 1/2/3/4 作答"))

    def start_or_reveal(self) -> None:
        """The one key: start the form's question, or reveal the one running."""
        q = self.current()
        if q is not None and q.status != "revealed":
            self.reveal()
        else:
            self.start()

    def close_answers(self) -> None:
        self._try(tr("停止作答"), self.quizzes.close_answers)

    def reveal(self) -> None:
        q = self.current()
        if q is None or q.status == "revealed":
            return
        self._try(tr("揭晓答案"), lambda: self.quizzes.reveal(q.id))

    def open_draw(self) -> None:
        q = self.current()
        if q is None:
            return
        lot = self._try(
            tr("在答对者中抽奖"),
            lambda: self.quizzes.draw_among_correct(q.id, self.prize.text(), self.winners.value()),
        )
        if lot is not None:
            self.notifier.info(tr("已在答对者中发起抽奖，承诺值已公布"))

    def draw(self) -> None:
        lot = self._lottery()
        if lot is None or lot.status == "drawn":
            return
        if self._try(tr("开奖"), lambda: self.lotteries.draw(lot.id)) is not None:
            self.notifier.info(tr("已开奖"))

    def _lottery(self) -> m.Lottery | None:
        q = self.current()
        if q is None or q.lottery_id is None:
            return None
        return self.room.lotteries.get(q.lottery_id)

    # --- showing -----------------------------------------------------------------------------
    def _changed(self, changes: frozenset[str]) -> None:
        if changes & {QUIZZES, LOTTERIES}:
            self._refresh()

    def _tick(self) -> None:
        self.quizzes.tick()
        q = self.current()
        if q is not None and q.status == "open":
            self._refresh()

    def _refresh(self) -> None:
        q = self.current()
        running = q is not None and q.status != "revealed"
        can = self.room.can_act
        self.start_button.setEnabled(not self.problem() and not running and can)
        self.close_button.setEnabled(q is not None and q.status == "open")
        self.reveal_button.setEnabled(running)
        if q is None:
            self.status.setText(tr("还没有题目"))
            for label, bar in self.bars:
                label.hide()
                bar.hide()
            self.result.setText("")
            self.draw_box.setVisible(False)
            return
        state = tr(STATUS[q.status])
        if q.status == "open" and q.duration_seconds > 0:
            state += " · " + tr("还剩 {t}").format(t=countdown(max(0.0, q.ends_ts - time.time())))
        self.status.setText(f"{q.question}\n{state} · " + tr("{n} 人作答").format(n=q.answerers))
        total = max(1, sum(q.tally))
        for i, (label, bar) in enumerate(self.bars):
            shown = i < len(q.options)
            label.setVisible(shown)
            bar.setVisible(shown)
            if not shown:
                continue
            right = q.status == "revealed" and q.correct == i
            label.setText(f"{LETTERS[i]}. {q.options[i]}" + (" ✓" if right else ""))
            label.setStyleSheet(theme.text_style(theme.OK, bold=True) if right else "")
            bar.setRange(0, total)
            bar.setValue(q.tally[i])
            bar.setFormat(tr("{n} 人").format(n=q.tally[i]))
        if q.status == "revealed" and q.correct is not None:
            self.result.setText(
                tr("正确答案 {x}，答对 {n} 人").format(
                    x=LETTERS[q.correct], n=len(q.correct_ids or [])
                )
            )
        elif q.status == "revealed":
            self.result.setText(tr("本题没有正确答案（投票）"))
        else:
            self.result.setText("")
        self.draw_box.setVisible(q.status == "revealed" and q.correct is not None)
        self._show_lottery(q)

    def _show_lottery(self, q: m.Quiz) -> None:
        lot = self._lottery()
        can = self.room.can_act
        self.draw_open_button.setEnabled(
            lot is None and bool(q.correct_ids) and bool(self.prize.text().strip()) and can
        )
        self.draw_button.setEnabled(lot is not None and lot.status != "drawn" and can)
        self.winners_list.clear()
        if lot is None:
            self.commitment.setText(tr("没有人答对，无法抽奖") if not q.correct_ids else "")
            self.verdict.setText("")
            return
        start = self.room.lottery_commitments.get(lot.id)
        self.commitment.setText(
            tr("「{prize}」· 参与 {n} 人（答对者）\n开始时的承诺值 sha256(seed)：{c}").format(
                prize=lot.prize, n=lot.entrants, c=grouped(start) if start else tr("（未见到）")
            )
        )
        if lot.status != "drawn":
            self.verdict.setText("")
            return
        self.winners_list.addItems(list(lot.winner_nicknames or lot.winner_ids or []))
        v = self.room.verify_lottery(lot.id)
        if v is not None:
            self.verdict.setText(verdict_text(v))
            self.verdict.setStyleSheet(FAILED_STYLE if v.failed else PASSED_STYLE)


#: the dock's one key: start the question in the form, or reveal the running one
START_OR_REVEAL = ActionSpec("quiz.start_or_reveal", "开始答题 / 揭晓答案", "Ctrl+Alt+Q", GROUP)


def make(ctx: ConsoleContext) -> QWidget:
    """The 答题 dock (ui/panels.py): on every platform with comments."""
    assert ctx.quizzes is not None and ctx.lotteries is not None  # built where comments exist
    panel = QuizPanel(ctx.room, ctx.notifier, ctx.quizzes, ctx.lotteries)
    ctx.shortcuts.register(START_OR_REVEAL, panel.start_or_reveal, enabled=ctx.room.can_act)
    return panel
