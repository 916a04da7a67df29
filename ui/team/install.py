"""The team's place in the main window: the 平台 menu (邀请场控/复盘…, 加入房间…, 局域网共享),
the toolbar's 邀请 action, 在线成员 summary and the 「沙盒 · 模拟观众」 badge, and the title of
the 团队 dock (made by ui/team/panel.py ``make``; a tab behind 订单 whose title counts teammates'
changes not yet seen; each change is also a status-bar line). Built from the console's context
(ui/context.py) and the window's docks and panels, never from the main window class.

The badge shows while the room is a rehearsal room: the platform says so (room info
``simulated``) or the console started the built-in sandbox itself. It never hides while
connected to one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QProcess, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLabel, QMenu, QToolBar, QWidget

from app.aio import spawn
from app.platform.errors import PlatformError
from app.self_command import self_command
from app.team.invite import Invite
from ui import theme
from ui.confirm import confirm
from ui.i18n import tr
from ui.team.panel import TeamPanel

if TYPE_CHECKING:
    from ui.context import ConsoleContext

BADGE_STYLE = (
    f"QLabel#sandboxBadge {{ background: {theme.SPECIAL}; color: white; font-weight: 700;"
    " padding: 3px 10px; border-radius: 10px; }"
)


class _ClickToInvite(QObject):
    """The host clicks the 房间 … · 身份 label in the toolbar: the invite dialog opens."""

    def __init__(self, controls: TeamControls, parent: QObject) -> None:
        super().__init__(parent)
        self.controls = controls

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.controls.open_invite()
            return True
        return False


class TeamControls:
    """What :func:`install_team` added to a window (tests and the launcher reach them here)."""

    def __init__(
        self,
        ctx: ConsoleContext,
        docks: Mapping[str, QDockWidget],
        panels: Mapping[str, QWidget],
    ) -> None:
        self.ctx = ctx
        self.window = w = ctx.window
        self.docks = docks
        host = ctx.room.role == "host"
        bar = w.findChild(QToolBar, "toolbar:live")
        assert bar is not None
        self.badge = QLabel(tr("沙盒 · 模拟观众"), w)
        self.badge.setObjectName("sandboxBadge")
        self.badge.setStyleSheet(BADGE_STYLE)
        self.badge.setToolTip(
            tr("这是内置沙盒平台：观众、评论和订单都是模拟的，适合彩排，不是真实直播间。")
        )
        self.badge_action = bar.addWidget(self.badge)
        self.badge_action.setVisible(False)
        self.invite_action = QAction(tr("邀请场控/复盘…"), w)
        self.invite_action.setObjectName("action:invite")
        self.invite_action.setEnabled(host)
        self.invite_action.triggered.connect(self.open_invite)
        bar.addAction(self.invite_action)
        bar.widgetForAction(self.invite_action).setObjectName("inviteButton")
        self.invite_action.setVisible(host)
        role_label = w.findChild(QLabel, "roleLabel")
        if host and role_label is not None:
            role_label.setCursor(Qt.CursorShape.PointingHandCursor)
            role_label.setToolTip(tr("点击邀请场控/复盘"))
            role_label.installEventFilter(_ClickToInvite(self, role_label))
        self.members_label = QLabel(w)
        self.members_label.setObjectName("membersSummary")
        self.members_label.setVisible(False)
        self.members_action = bar.addWidget(self.members_label)
        self.members_action.setVisible(host)
        panel = panels.get("team")
        self.unseen = 0
        if isinstance(panel, TeamPanel):
            panel.members_changed.connect(self._members)
            panel.activity_added.connect(self._activity)
        dock = docks.get("team")
        if dock is not None:
            dock.visibilityChanged.connect(self._seen)

        menu = QMenu(tr("平台"), w)  # first in the menu bar (帮助 stays last)
        self.menu = menu  # 连接平台… goes first in it (ui/platform/switch.py)
        menus = w.menuBar().actions()
        if menus:
            w.menuBar().insertMenu(menus[0], menu)
        else:
            w.menuBar().addMenu(menu)
        menu.addAction(self.invite_action)
        self.join_action = QAction(tr("加入房间…"), w)
        self.join_action.setObjectName("action:join")
        self.join_action.triggered.connect(self.open_join)
        menu.addAction(self.join_action)
        menu.addSeparator()
        self.lan_action = QAction(tr("局域网共享内置平台"), w)
        self.lan_action.setObjectName("action:lan")
        self.lan_action.setCheckable(True)
        self.lan_action.setChecked(ctx.settings.platform.lan)
        self.lan_action.triggered.connect(self.toggle_lan)
        menu.addAction(self.lan_action)
        spawn(self._ask_room(), name="room-info")

    # --- badge -------------------------------------------------------------------------------
    def set_sandbox(self, on: bool) -> None:
        if on:
            self.badge_action.setVisible(True)

    async def _ask_room(self) -> None:
        try:
            info = await self.ctx.room.adapter.room_info()
        except PlatformError:
            return
        if shiboken6.isValid(self.badge):
            self.set_sandbox(info.simulated)

    def _activity(self, n: int) -> None:
        """A tab behind 订单: its title counts teammates' changes not yet looked at."""
        dock = self.docks.get("team")
        if dock is None or (dock.isVisible() and not dock.visibleRegion().isEmpty()):
            return
        self.unseen += n
        dock.setWindowTitle(tr("团队（{n} 条新动态）").format(n=self.unseen))

    def _seen(self, visible: bool) -> None:
        if visible:
            self.unseen = 0
            self.docks["team"].setWindowTitle(tr("团队"))

    def _members(self, summary: str) -> None:
        self.members_label.setText("  " + tr("在线成员：{s}").format(s=summary) + "  ")
        self.members_label.setVisible(True)

    # --- dialogs -----------------------------------------------------------------------------
    def open_invite(self) -> None:
        from ui.team.invite_dialog import InviteDialog

        dialog = InviteDialog(self.ctx.room.adapter, self.ctx.platform_listen, self.window)
        self.invite_dialog = dialog
        dialog.open()

    def open_join(self) -> None:
        from ui.team.join_dialog import JoinDialog

        dialog = JoinDialog(self.ctx.settings, self.window, joined=self.restart_into)
        self.join_dialog = dialog
        dialog.open()

    def restart_into(self, invite: Invite) -> None:
        """The invite is remembered: the console connects to that room (the launcher opens it
        in a new window, no restart: ui/platform/switch.py), this window closes."""
        from app.names import role_name
        from ui.platform.connect_dialog import Choice

        text = tr("已保存。中控台将以{role}身份连接到房间 {room}。").format(
            role=role_name(invite.role), room=invite.room
        )
        if not confirm(self.window, tr("加入房间"), text, action=tr("连接")):
            self.ctx.notifier.info(tr("已保存邀请：下次启动中控台时连接到该房间"))
            return
        controls = getattr(self.window, "connect_controls", None)
        if controls is None:  # a window without the launcher's platform loop: start anew
            program, *args = self_command("app.main")
            QProcess.startDetached(program, args)
            self.window.close()
            return
        values = {"url": invite.url, "room": invite.room, "token": invite.token}
        controls.switch_to(Choice("sandbox", values), asked=True)

    def toggle_lan(self, on: bool) -> None:
        if on and not confirm(
            self.window,
            tr("局域网共享内置平台"),
            tr(
                "开启后，内置沙盒平台将在局域网上监听（0.0.0.0），同一网络中持有邀请码的队友"
                "可以从其他电脑连接。未开启时只有本机能连接（127.0.0.1）。"
                "重启中控台后生效。确定开启吗？"
            ),
            action=tr("开启"),
        ):
            self.lan_action.setChecked(False)
            return
        self.ctx.settings.platform.lan = on
        self.ctx.save_settings()
        self.ctx.notifier.info(tr("局域网共享设置已保存，重启中控台后生效"))


def install_team(
    ctx: ConsoleContext, docks: Mapping[str, QDockWidget], panels: Mapping[str, QWidget]
) -> TeamControls:
    """The team's controls on ``ctx.window`` (its live toolbar and menu bar must exist)."""
    return TeamControls(ctx, docks, panels)
