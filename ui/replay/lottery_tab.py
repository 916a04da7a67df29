"""The replay's lottery tab: each lottery's figures and checks, and a red banner over the table
naming every drawn lottery that failed verification (explicit text, never only a tooltip).

A draw is checked against the commitment recorded at the lottery's start (see
:mod:`app.live.lottery_verify`); failing cells are red too. The console's own lottery (drawn on
a platform without lotteries, app/live/console_lottery.py) is checked the same way; its prize
says 中控台抽奖 (盲盒 for a blind box, whose 中奖复算 also covers each winner's prize, shown
beside the winner).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from app.live import blind_box
from app.platform import models as m
from app.session.replay import LotteryResult
from ui import theme
from ui.i18n import tr
from ui.replay.checked_table import CheckedTable

HEADERS = [
    "奖品",
    "口令",
    "中奖名额",
    "参与人数",
    "评论复算参与",
    "承诺",
    "名单",
    "中奖复算",
    "中奖者",
    "开始时的承诺值",
]
_CHECK_COLUMNS = (5, 6, 7)


def lottery_cells(r: LotteryResult) -> list[object]:
    lot, v = r.lottery, r.verification

    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    if not v.drawn:
        commitment = tr("未开奖")
    elif not v.start_seen:
        commitment = "✘ " + tr("未见到开始时的承诺，无法验证")
    elif v.commitment_changed:
        commitment = "✘ " + tr("开奖时换了承诺值")
    else:
        commitment = mark(v.commitment_ok)
    return [
        f"{lot.prize} · {console_kind(lot)}" if lot.origin == "console" else lot.prize,
        lot.keyword,
        lot.winners,
        lot.entrants,
        r.participants_from_comments if r.participants_from_comments is not None else "—",
        commitment,
        mark(v.digest_ok) if v.drawn else "—",
        mark(v.winners_ok and v.prizes_ok) if v.drawn else "—",  # a blind box: and its prizes
        "、".join(blind_box.winner_lines(lot)),
        r.start_commitment or "—",  # in full: the stream showed its first 16 digits
    ]


def console_kind(lot: m.Lottery) -> str:
    """What kind of the console's own draw this was: a quiz's, a blind box, or among commenters."""
    if lot.quiz_id is not None:
        return tr("答对者抽奖")
    return tr("盲盒") if lot.pool is not None else tr("中控台抽奖")


class LotteryTab(CheckedTable):
    def __init__(self, results: Sequence[LotteryResult], parent: QWidget | None = None) -> None:
        alarm = tr("✗ 抽奖「{prize}」验证未通过：开奖结果无法证明是公平的")
        super().__init__(
            "lottery",
            HEADERS,
            [lottery_cells(r) for r in results],
            [
                alarm.format(prize=r.lottery.prize) if r.verification.failed else None
                for r in results
            ],
            _CHECK_COLUMNS,
            parent,
        )
        self.note = QLabel(self)
        self.note.setObjectName("lotteryCountNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(theme.text_style(theme.WARNING))
        notes = [count_note(r) for r in results]
        self.note.setText("\n".join(n for n in notes if n))
        self.note.setVisible(any(notes))
        self.body.addWidget(self.note)


def count_note(r: LotteryResult) -> str:
    """Why 参与人数 and 评论复算参与 differ, said under the table (empty when they agree)."""
    n = r.participants_from_comments
    if n is None or n == r.lottery.entrants:
        return ""
    if r.differs_because == "gaps":
        why = tr("录制缺少平台已不保留的事件，复算少了这部分评论")
    elif r.differs_because == "late":
        why = tr("录制开始时抽奖已在进行，之前的评论不在录制中")
    elif r.lottery.origin == "console":
        why = tr("中控台计入的评论与录制的评论不一致")
        return tr("抽奖「{prize}」：中控台 {a} 人，评论复算 {b} 人 — {why}").format(
            prize=r.lottery.prize, a=r.lottery.entrants, b=n, why=why
        )
    else:
        why = tr("平台计数与录制的评论不一致")
    return tr("抽奖「{prize}」：平台 {a} 人，评论复算 {b} 人 — {why}").format(
        prize=r.lottery.prize, a=r.lottery.entrants, b=n, why=why
    )
