"""加入房间…: paste an invite, see the room and role it opens (a test request to the platform),
and join: the token goes to the OS keyring, the settings remember url/room/role, and the console
connects to that room in a new window, without a restart (app/team/join.py, ui/platform/switch.py). Errors are sentences, never the token.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.names import role_name
from app.platform.errors import PlatformError
from app.platform.models import RoomInfo
from app.settings import Settings
from app.team.invite import Invite, InviteError, parse_invite
from app.team.join import check_invite, remember
from ui import theme
from ui.i18n import tr


class JoinDialog(QDialog):
    """``joined(invite)`` is called once the invite is remembered (the console switches)."""

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        joined: Callable[[Invite], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.joined_cb = joined
        self.setObjectName("joinDialog")
        self.setWindowTitle(tr("加入房间"))
        self.setMinimumWidth(600)
        self.invite: Invite | None = None
        self.checked: RoomInfo | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(tr("粘贴主播发来的邀请码（livedesk://join?…）："), self))
        self.paste = QPlainTextEdit(self)
        self.paste.setObjectName("joinInvite")
        self.paste.setFixedHeight(72)
        self.paste.textChanged.connect(self._changed)
        lay.addWidget(self.paste)
        self.check_button = QPushButton(tr("检查邀请码"), self)
        self.check_button.setObjectName("joinCheck")
        self.check_button.clicked.connect(self.check)
        lay.addWidget(self.check_button)
        self.outcome = QLabel(self)
        self.outcome.setObjectName("joinResult")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.outcome)
        self.buttons = QDialogButtonBox(self)
        self.join_button = self.buttons.addButton(
            tr("加入"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.join_button.setObjectName("joinGo")
        self.join_button.setEnabled(False)
        self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.join)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

    def _say(self, text: str, level: str = "info") -> None:
        colour = {"error": theme.DANGER, "ok": theme.OK}.get(level, "")
        self.outcome.setStyleSheet(f"color: {colour}; font-weight: 600;" if colour else "")
        self.outcome.setText(text)

    def _changed(self) -> None:
        self.invite, self.checked = None, None
        self.join_button.setEnabled(False)
        self._say("")

    def check(self) -> None:
        try:
            self.invite = parse_invite(self.paste.toPlainText())
        except InviteError as exc:
            self._say(str(exc), "error")
            return
        self._say(tr("正在连接 {url}…").format(url=self.invite.url))
        self.check_button.setEnabled(False)
        spawn(self._check(self.invite), name="join-check")

    async def _check(self, invite: Invite) -> None:
        try:
            got: RoomInfo | str = await check_invite(invite)
        except PlatformError as exc:
            got = exc.message
        if not shiboken6.isValid(self):
            return
        self.check_button.setEnabled(True)
        if invite is not self.invite:
            return  # the text changed meanwhile
        if isinstance(got, str):
            self._say(got, "error")
            return
        self.checked = got
        title = f" · {got.title}" if got.title else ""
        extra = tr("（沙盒 · 模拟观众）") if got.simulated else ""
        self._say(
            tr("房间 {room}{title}{extra}\n身份：{role}\n平台：{url}").format(
                room=got.id,
                title=title,
                extra=extra,
                role=role_name(invite.role),
                url=invite.url,
            ),
            "ok",
        )
        self.join_button.setEnabled(True)

    def join(self) -> None:
        if self.invite is None or self.checked is None:
            return
        remember(self.invite, self.settings)
        if self.joined_cb is not None:
            self.joined_cb(self.invite)
        self.accept()
