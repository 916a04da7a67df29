"""The 团队 dock: 在线成员 (host: polled from the platform) and 队友动态 (teammates' changes).

- Members: the host's console asks the platform (``GET /members``) every ``POLL_S`` seconds
  while the window lives; one request at a time, results dropped once the widget is gone.
  Other roles see a line saying only the host sees the list.
- Activity: ``LiveRoom.subscribe_activity`` — a teammate's change (not this console's own) is a
  row here, newest first, at most ``MAX_ROWS``, and a notifier line. Rows are plain text.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from app.aio import spawn
from app.format import time_of_day
from app.live.activity import TeamChange
from app.live.room import LiveRoom
from app.names import role_name
from app.platform.errors import PlatformError
from app.platform.models import Members
from ui.i18n import localize, tr
from ui.lifetime import unsubscribe_on_destroy
from ui.notify import Notifier

if TYPE_CHECKING:
    from ui.context import ConsoleContext

POLL_S = 5.0
MAX_ROWS = 200
ORDER = ("host", "assistant", "reviewer")


def members_summary(members: Members) -> str:
    """「主播 ×1 · 场控 ×1 · 复盘 ×2」"""
    counts = Counter(m.role.value for m in members.members)
    parts = [f"{role_name(r)} ×{counts[r]}" for r in ORDER if counts[r]]
    return " · ".join(parts) if parts else tr("无")


class TeamPanel(QWidget):
    """在线成员 and 队友动态 of one room."""

    members_changed = Signal(str)  # the one-line summary, for the toolbar
    activity_added = Signal(int)  # teammates' changes in the last batch, for the dock's title

    def __init__(self, room: LiveRoom, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.room = room
        self.notifier = notifier
        self.setObjectName("teamPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.members_title = QLabel(tr("在线成员"), self)
        self.members_title.setStyleSheet("font-weight: 600;")
        self.members_list = QListWidget(self)
        self.members_list.setObjectName("membersList")
        self.members_list.setMaximumHeight(110)
        self.activity_title = QLabel(tr("队友动态"), self)
        self.activity_title.setStyleSheet("font-weight: 600;")
        self.activity = QListWidget(self)
        self.activity.setObjectName("teamActivity")
        self.activity.setWordWrap(True)
        for w in (self.members_title, self.members_list, self.activity_title, self.activity):
            lay.addWidget(w)
        self.members: Members | None = None
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(int(POLL_S * 1000))
        self._timer.timeout.connect(self.refresh_members)
        if room.role == "host":
            self._timer.start()
            QTimer.singleShot(0, self.refresh_members)
        else:
            self.members_list.addItem(tr("只有主播能看到在线成员"))
        unsubscribe_on_destroy(self, room.subscribe_activity(self._on_activity))

    # --- members -----------------------------------------------------------------------------
    def refresh_members(self) -> None:
        if self._busy:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a timer that fires while no loop runs (shutting down): skip
            return
        self._busy = True
        spawn(self._fetch(), name="team-members")

    async def _fetch(self) -> None:
        got: Members | str = tr("未知错误")
        try:
            got = await self.room.adapter.members()
        except PlatformError as exc:
            got = localize(exc.message)
        finally:  # one request at a time, and never stuck: the next tick asks again
            if shiboken6.isValid(self):
                self._busy = False
                self.show_members(got)

    def show_members(self, got: Members | str) -> None:
        self.members_list.clear()
        if isinstance(got, str):
            self.members_list.addItem(tr("无法获取在线成员：{e}").format(e=got))
            return
        self.members = got
        summary = members_summary(got)
        self.members_title.setText(tr("在线成员（{n}）").format(n=got.count))
        self.members_list.addItem(summary)
        now = time.time()
        for m in sorted(got.members, key=lambda m: (ORDER.index(m.role.value), m.since_ts)):
            mins = max(0, int(now - m.since_ts) // 60)
            self.members_list.addItem(
                tr("{role} · {name} · {mins} 分钟").format(
                    role=role_name(m.role.value), name=m.client or tr("未命名"), mins=mins
                )
            )
        self.members_changed.emit(summary)

    # --- activity ----------------------------------------------------------------------------
    def _on_activity(self, changes: Sequence[TeamChange]) -> None:
        theirs = [c for c in changes if not c.mine]
        for c in theirs:
            stamp = time_of_day(c.ts)
            item = QListWidgetItem(f"{stamp}  {c.text}")
            item.setData(Qt.ItemDataRole.UserRole, c.kind)
            self.activity.insertItem(0, item)
        while self.activity.count() > MAX_ROWS:
            self.activity.takeItem(self.activity.count() - 1)
        if theirs:
            self.activity_added.emit(len(theirs))
            last = theirs[-1].text
            more = len(theirs) - 1
            self.notifier.info(
                last if not more else tr("{text}（另有 {n} 条）").format(text=last, n=more)
            )


def make(ctx: ConsoleContext) -> TeamPanel:
    """The 团队 dock (ui/panels.py); the rest of the team's place is ui/team/install.py."""
    return TeamPanel(ctx.room, ctx.notifier)
