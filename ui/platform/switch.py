"""The console's side of changing platform: 平台 → 连接平台… in a window, and the questions the
launcher asks when a platform does not open.

:func:`install_connect` puts 连接平台… first in the window's 平台 menu. Choosing a platform
there and pressing 连接 asks first while the room is live (the broadcast itself goes on; this
console stops following it), then records the choice on the returned :class:`ConnectControls`
and closes the window: ui/launch.py stops the room, recorder, OBS follow and adapter as on
shut-down and opens the chosen platform in a new window, in the same process.

:func:`ask` shows a question with named buttons without a nested event loop (it resolves a
future; ui/launch.py awaits it), so the stream and recorder keep running while it is open.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from ui.confirm import confirm
from ui.i18n import tr
from ui.platform.connect_dialog import Choice, ConnectDialog, open_dialog_async

if TYPE_CHECKING:
    from ui.context import ConsoleContext


class ConnectControls:
    """What :func:`install_connect` added; ``requested`` is the platform to switch to, once
    chosen (the window is then closing)."""

    def __init__(self, ctx: ConsoleContext, menu: QMenu) -> None:
        self.ctx = ctx
        self.window = ctx.window
        self.requested: Choice | None = None
        self.dialog: ConnectDialog | None = None
        #: the platform this window is connected to (set by the launcher): selected first
        self.current: str | None = None
        #: the shop of this window's room (a commerce backend's name; None: the platform's own)
        self.current_commerce: str | None = None
        self.action = QAction(tr("连接平台…"), self.window)
        self.action.setObjectName("action:connect-platform")
        self.action.triggered.connect(self.open_dialog)
        existing = menu.actions()
        if existing:
            menu.insertAction(existing[0], self.action)
            menu.insertSeparator(existing[0])
        else:
            menu.addAction(self.action)

    def open_dialog(self) -> ConnectDialog:
        dialog = ConnectDialog(
            self.ctx.settings, self.window, current=self.current, commerce=self.current_commerce
        )
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.switch_to(dialog.choice()))
        dialog.open()
        return dialog

    def switch_to(self, choice: Choice, *, asked: bool = False) -> bool:
        """Close this window so that the launcher opens ``choice`` (asks first while live,
        unless the caller already ``asked``)."""
        session = self.ctx.room.session
        if not asked and session is not None and session.status == "live":
            text = tr(
                "正在直播。切换平台后，这个中控台不再显示和记录当前直播间的评论与数据"
                "（本场已显示的内容都已保存）。确定切换吗？"
            )
            if not confirm(self.window, tr("切换平台"), text, action=tr("切换平台")):
                return False
        self.requested = choice
        close = getattr(self.window, "close_without_asking", self.window.close)
        close()
        return True


def install_connect(ctx: ConsoleContext, menu: QMenu) -> ConnectControls:
    """连接平台… first in ``menu`` (the window's 平台 menu)."""
    return ConnectControls(ctx, menu)


def ask(
    parent: QWidget | None, title: str, text: str, buttons: Sequence[tuple[str, str]]
) -> asyncio.Future[str | None]:
    """A warning with ``buttons`` = [(key, label)…] (the last is the Esc answer); resolves with the
    key clicked, None when the box was closed otherwise. Plain text."""
    box = QMessageBox(parent)
    box.setObjectName("platformQuestion")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    for i, (key, label) in enumerate(buttons):
        role = QMessageBox.ButtonRole.AcceptRole if i == 0 else QMessageBox.ButtonRole.RejectRole
        button = box.addButton(label, role)
        button.setObjectName(f"question:{key}")
        if i == 0:
            box.setDefaultButton(button)
        if i == len(buttons) - 1:
            box.setEscapeButton(button)
    done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not done.done():
            clicked = box.clickedButton()
            name = clicked.objectName() if clicked is not None else ""
            done.set_result(name.removeprefix("question:") if name else None)
        if shiboken6.isValid(box):
            box.deleteLater()

    box.finished.connect(finished)
    box.open()
    return done


async def choose(
    settings: Any,
    *,
    current: str | None = None,
    message: str = "",
    entered: Choice | None = None,
    parent: QWidget | None = None,
    commerce: str | None = None,
) -> Choice | None:
    """The connection dialog, awaited: the choice, or None when cancelled."""
    dialog = ConnectDialog(
        settings, parent, current=current, message=message, entered=entered, commerce=commerce
    )
    try:
        return await open_dialog_async(dialog)
    finally:
        if shiboken6.isValid(dialog):
            dialog.deleteLater()
