"""The 禁言列表: who is muted now — nickname (and whether they bought this session), until when
(「至 20:35:12（还剩 4:32）」 / 本场结束 / 永久), who muted them — with 解除禁言 on each row.

A non-modal dialog that follows the room: rows come from :meth:`LiveRoom.muted_now` and change
when the platform's ``user_muted`` / ``user_unmuted`` arrive (this console's actions, a
teammate's, an expiry), the remaining time ticks once a second. A reviewer sees the list without
the 解除禁言 buttons. Names are plain text (table items are never HTML).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.live.room import MODERATION, LiveRoom
from ui.chat.mutes import until_text, who_text
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import Notifier

COLUMNS = ("昵称", "禁言至", "操作人", "")


class MuteListDialog(QDialog):
    def __init__(self, room: LiveRoom, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("muteList")
        self.setWindowTitle(tr("禁言列表"))
        self.room = room
        self.notifier = notifier
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("muteListTable")
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnHidden(3, not room.can_act)
        self.empty = QLabel(tr("当前没有被禁言的用户"), self)
        self.empty.setObjectName("muteListEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.resize(620, 360)
        self._shown: list[str] = []
        self._unsub = room.subscribe(self._room_changed)
        unsubscribe_on_destroy(self, self._unsub)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        self.refresh()

    def user_ids(self) -> list[str]:
        """The users listed, top to bottom."""
        return list(self._shown)

    def unmute_button(self, user_id: str) -> QPushButton | None:
        row = self._shown.index(user_id) if user_id in self._shown else -1
        w = self.table.cellWidget(row, 3) if row >= 0 else None
        return w if isinstance(w, QPushButton) else None

    def _room_changed(self, changes: frozenset[str]) -> None:
        if MODERATION in changes:
            self.refresh()

    def refresh(self) -> None:
        mutes = self.room.muted_now()
        ids = [mu.user_id for mu in mutes]
        if ids != self._shown:
            self.table.setRowCount(len(mutes))
            for row, mu in enumerate(mutes):
                button = QPushButton(tr("解除禁言"), self.table)
                button.setObjectName(f"unmute:{mu.user_id}")
                button.clicked.connect(
                    lambda _c=False, uid=mu.user_id, n=mu.nickname: self.unmute(uid, n)
                )
                self.table.setCellWidget(row, 3, button)
            self._shown = ids
        for row, mu in enumerate(mutes):
            name = mu.nickname or mu.user_id
            if self.room.has_ordered(mu.user_id):
                name = tr("{n}（本场已下单）").format(n=name)
            self._set(row, 0, name, mu.user_id)
            self._set(row, 1, until_text(mu))
            self._set(row, 2, who_text(mu.actor))
        self.table.setVisible(bool(mutes))
        self.empty.setVisible(not mutes)

    def _set(self, row: int, col: int, text: str, tip: str = "") -> None:
        item = self.table.item(row, col)
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, col, item)
        if item.text() != text:
            item.setText(text)
        if tip:
            item.setToolTip(tip)

    def unmute(self, user_id: str, nickname: str) -> None:
        self.notifier.run(
            tr("解除禁言"),
            self.room.unmute_user(user_id),
            done=tr("已解除禁言 {n}").format(n=nickname or user_id),
        )
