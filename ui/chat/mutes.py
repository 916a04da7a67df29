"""Muting with a safety net (issue 20): the durations offered (5 分钟 / 1 小时 / 本场 / 永久, the
default a short one), how a mute is described to the operator, and the undo toast shown after
each mute (「已禁言 张三 5 分钟 · 撤销」 for ~8 s; 撤销 lifts the mute on the platform).

Guarantees: a mute never happens without saying for how long; the toast says when the user
bought in this session (「该用户本场已下单」); names are shown as plain text, never HTML; the
toast holds plain data only (user id, nickname), never a chat line or a model index.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.format import countdown, time_of_day
from app.names import role_name
from app.platform import models as m
from ui.i18n import tr


@dataclass(frozen=True, slots=True)
class MuteDuration:
    key: str  # the menu action's object name is "comment.mute.<key>"
    label: str  # Chinese source text (menu entry and toast)
    seconds: int | None  # None: no fixed time
    until_session_end: bool = False


DURATIONS: tuple[MuteDuration, ...] = (
    MuteDuration("5m", "5 分钟", 5 * 60),
    MuteDuration("1h", "1 小时", 3600),
    MuteDuration("session", "本场", None, until_session_end=True),
    MuteDuration("forever", "永久", None),
)
#: what the mute key (and a plain 禁言) does: a short mute, never a permanent one
DEFAULT = DURATIONS[0]
UNDO_SECONDS = 8.0


def until_text(mu: m.MutedUser, now: float | None = None) -> str:
    """「永久」, 「本场结束」 or 「至 20:35:12（还剩 4:32）」 for a timed mute."""
    if mu.until_ts is None:
        return tr("本场结束") if mu.session_id else tr("永久")
    left = max(0, round(mu.until_ts - (time.time() if now is None else now)))
    clock = time_of_day(mu.until_ts)
    return tr("至 {clock}（还剩 {left}）").format(clock=clock, left=countdown(left))


def who_text(actor: m.Actor | None) -> str:
    return role_name(actor.role.value) if actor is not None else "—"


class UndoToast(QFrame):
    """A bar floating over the bottom of its parent: 「已禁言 张三 5 分钟」 and 撤销. It hides
    itself after :data:`UNDO_SECONDS`; a newer mute replaces the one shown."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("muteUndoToast")
        self.setStyleSheet(
            "#muteUndoToast { background: #263238; border-radius: 6px; }"
            "#muteUndoToast QLabel { color: white; font-weight: 600; }"
            "#muteUndoToast QLabel#muteUndoBuyer { color: #ffcc80; }"
            "#muteUndoToast QPushButton { color: #80d8ff; background: transparent;"
            " border: 1px solid #80d8ff; border-radius: 4px; padding: 2px 10px; font-weight: 700; }"
        )
        self.text = QLabel(self)
        self.text.setObjectName("muteUndoText")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.buyer = QLabel(self)
        self.buyer.setObjectName("muteUndoBuyer")
        self.buyer.setTextFormat(Qt.TextFormat.PlainText)
        self.undo_button = QPushButton(tr("撤销"), self)
        self.undo_button.setObjectName("muteUndo")
        self.undo_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.undo_button.clicked.connect(self._undo)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 8, 6)
        row.addWidget(self.text)
        row.addWidget(self.buyer)
        row.addStretch(1)
        row.addWidget(self.undo_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self._on_undo: Callable[[], None] | None = None
        self.hide()

    def show_mute(
        self, nickname: str, duration: MuteDuration, buyer: bool, on_undo: Callable[[], None]
    ) -> None:
        self.text.setText(
            tr("已禁言 {n} {d}").format(n=nickname, d=tr(duration.label))
            if duration.seconds is not None or duration.until_session_end
            else tr("已永久禁言 {n}").format(n=nickname)
        )
        self.buyer.setText(tr("该用户本场已下单") if buyer else "")
        self.buyer.setVisible(buyer)
        self._on_undo = on_undo
        self.undo_button.setEnabled(True)
        self.place()
        self.show()
        self.raise_()
        self._timer.start(int(UNDO_SECONDS * 1000))

    def place(self) -> None:
        """Across the bottom of the parent, above its last row of controls."""
        parent = self.parentWidget()
        if parent is None:
            return
        self.adjustSize()
        width = parent.width() - 16
        height = self.sizeHint().height()
        self.setGeometry(8, parent.height() - height - 52, width, height)

    def _undo(self) -> None:
        on_undo, self._on_undo = self._on_undo, None
        self._timer.stop()
        self.hide()
        if on_undo is not None:
            on_undo()
