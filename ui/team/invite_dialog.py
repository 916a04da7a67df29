"""邀请场控/复盘: the host makes an invite for a teammate — URL, room, role and that role's token
as one string to copy (app/team/invite.py).

The tokens come from the platform's host-only ``GET /invites``; the host's own token is never
put in an invite. The dialog says whether the chosen URL can be reached from other machines
(the built-in platform listens on this machine only unless the LAN setting is on). No QR code:
no QR library is installed (the string is short enough to send in a chat).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.platform.adapter import PlatformAdapter
from app.platform.errors import PlatformError
from app.platform.models import TeamInvites
from app.team.invite import InviteError, make_invite
from app.team.lan import InviteUrl, invite_urls
from ui import theme
from ui.i18n import localize, tr


class InviteDialog(QDialog):
    def __init__(
        self, adapter: PlatformAdapter, listen: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.adapter = adapter
        self.setObjectName("inviteDialog")
        self.setWindowTitle(tr("邀请场控/复盘"))
        self.setMinimumWidth(640)
        self.invites: TeamInvites | None = None
        base = adapter.base_url or ""
        self.urls: list[InviteUrl] = invite_urls(base, listen) if base else []

        self.role = QComboBox(self)
        self.role.setObjectName("inviteRole")
        self.role.addItem(tr("场控（可操作商品、优惠券、评论）"), "assistant")
        self.role.addItem(tr("复盘（只读，看数据与回放）"), "reviewer")
        self.url = QComboBox(self)
        self.url.setObjectName("inviteUrl")
        for u in self.urls:
            self.url.addItem(f"{u.url}  ({u.note})", u.url)
        self.room = QLabel(adapter.room, self)
        self.room.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reach = QLabel(self)
        self.reach.setObjectName("inviteReach")
        self.reach.setWordWrap(True)
        self.reach.setTextFormat(Qt.TextFormat.PlainText)
        self.code = QPlainTextEdit(self)
        self.code.setObjectName("inviteCode")
        self.code.setReadOnly(True)
        self.code.setFixedHeight(72)
        self.copy = QPushButton(tr("复制邀请码"), self)
        self.copy.setObjectName("inviteCopy")
        self.copy.clicked.connect(self.copy_invite)
        self.status = QLabel(tr("正在向平台获取邀请令牌…"), self)
        self.status.setObjectName("inviteStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        how = QLabel(
            tr(
                "把邀请码发给队友。对方在 LiveDesk 中选择 平台 → 加入房间… 粘贴，"
                "或运行 livedesk join <邀请码>。邀请码含有该身份的令牌，请只发给队友本人。"
                "（未安装二维码库，暂不提供扫码。）"
            ),
            self,
        )
        how.setWordWrap(True)

        form = QFormLayout()
        form.addRow(tr("身份"), self.role)
        form.addRow(tr("平台地址"), self.url)
        form.addRow(tr("房间"), self.room)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.reach)
        lay.addWidget(self.code)
        lay.addWidget(self.copy)
        lay.addWidget(self.status)
        lay.addWidget(how)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.role.currentIndexChanged.connect(self.update_code)
        self.url.currentIndexChanged.connect(self.update_code)
        self.update_code()
        spawn(self._load(), name="team-invites")

    async def _load(self) -> None:
        try:
            got: TeamInvites | str = await self.adapter.team_invites()
        except PlatformError as exc:
            got = localize(exc.message)
        if not shiboken6.isValid(self):
            return
        if isinstance(got, str):
            self.status.setText(tr("无法获取邀请令牌：{e}").format(e=got))
            self.status.setStyleSheet(theme.text_style(theme.DANGER))
            return
        self.invites = got
        self.status.setText("")
        self.update_code()

    def current_url(self) -> InviteUrl | None:
        i = self.url.currentIndex()
        return self.urls[i] if 0 <= i < len(self.urls) else None

    def update_code(self) -> None:
        u = self.current_url()
        if u is None:
            self.reach.setText(tr("这个平台没有可用于邀请的地址"))
        elif u.reachable:
            self.reach.setText(tr("其他电脑可以通过这个地址连接（需在同一网络，防火墙放行该端口）"))
            self.reach.setStyleSheet(theme.text_style(theme.OK))
        else:
            self.reach.setText(
                tr(
                    "内置平台只在本机监听（127.0.0.1），其他电脑连不上。"
                    "在 平台 → 局域网共享内置平台 中开启并重启中控台后，这里会出现局域网地址。"
                )
            )
            self.reach.setStyleSheet(theme.text_style(theme.WARNING, bold=True))
        code = ""
        if u is not None and self.invites is not None:
            role = str(self.role.currentData())
            secret = getattr(self.invites, role)
            try:
                code = make_invite(u.url, self.adapter.room, role, secret.get_secret_value())
            except InviteError as exc:
                self.status.setText(str(exc))
        self.code.setPlainText(code)
        self.copy.setEnabled(bool(code))

    def invite_text(self) -> str:
        return self.code.toPlainText()

    def copy_invite(self) -> None:
        text = self.invite_text()
        if text:
            QGuiApplication.clipboard().setText(text)
            self.status.setText(tr("已复制邀请码"))
            self.status.setStyleSheet(theme.text_style(theme.OK))
