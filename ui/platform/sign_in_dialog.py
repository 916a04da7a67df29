"""用 … 账号登录: signing in on the platform's own page instead of pasting a token (the factory's
``sign_in``, app/platform/fields.py — Twitch's device code flow).

The dialog starts the sign-in on the loop as soon as it is shown and tells the streamer what to do
in big, plain text: the address to open (a button opens it in the browser) and the code to enter
there (a button copies it), with how long the code stays valid. It waits without freezing
anything; 取消 (or closing the dialog) cancels the wait.

Guarantees: :attr:`SignInDialog.values` is set (and the dialog accepted) only once the platform
gave a token; a refusal, an expired code or an unreachable platform is said in the dialog in the
UI language and the dialog stays open with 重试. The token is never shown, logged or stored here:
the caller puts it into the connection dialog's masked input, which saves it to the OS keyring
only once the connection succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import localize
from app.platform.errors import PlatformError
from app.platform.fields import SignInCode, display_name
from ui import theme
from ui.i18n import tr

log = logging.getLogger(__name__)


def _plain(label: QLabel) -> QLabel:
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class SignInDialog(QDialog):
    """``values`` after ``accepted``: the field values the platform gave (the token…)."""

    def __init__(
        self, factory: Any, entered: Mapping[str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.factory = factory
        self.entered = dict(entered)
        self.values: dict[str, str] | None = None
        self.code: SignInCode | None = None
        self._task: asyncio.Task[None] | None = None
        self.setObjectName("signInDialog")
        name = display_name(factory)
        self.setWindowTitle(tr("用 {platform} 账号登录").format(platform=name))
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        self.step = _plain(QLabel(self))
        self.step.setObjectName("signInStep")
        lay.addWidget(self.step)
        self.address = _plain(QLabel(self))
        self.address.setObjectName("signInAddress")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.address)
        self.user_code = QLabel(self)
        self.user_code.setObjectName("signInCode")
        self.user_code.setTextFormat(Qt.TextFormat.PlainText)
        self.user_code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.user_code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.4)
        big.setBold(True)
        big.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 4)
        self.user_code.setFont(big)
        lay.addWidget(self.user_code)
        row = QHBoxLayout()
        self.open_button = QPushButton(tr("打开登录页面"), self)
        self.open_button.setObjectName("signInOpen")
        self.open_button.clicked.connect(self._open_page)
        self.copy_button = QPushButton(tr("复制代码"), self)
        self.copy_button.setObjectName("signInCopy")
        self.copy_button.clicked.connect(self._copy_code)
        row.addWidget(self.open_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.status = _plain(QLabel(self))
        self.status.setObjectName("signInStatus")
        lay.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.retry_button = self.buttons.addButton(
            tr("重试"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.retry_button.setObjectName("signInRetry")
        self.retry_button.clicked.connect(self.start)
        cancel = self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("signInCancel")
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._show_code(None)

    # --- what the streamer sees ----------------------------------------------------------------
    def _show_code(self, code: SignInCode | None) -> None:
        self.code = code
        waiting = code is not None
        self.open_button.setEnabled(waiting)
        self.copy_button.setEnabled(waiting)
        self.address.setVisible(waiting)
        self.user_code.setVisible(waiting)
        if code is None:
            return
        minutes = max(1, code.expires_in // 60)
        self.step.setText(
            tr("在浏览器里打开下面的地址，登录后输入这个代码并同意授权（{n} 分钟内有效）：").format(
                n=minutes
            )
        )
        self.address.setText(code.verification_uri)
        self.user_code.setText(code.user_code)
        self._say(tr("等待你在浏览器里授权…"))

    def _say(self, text: str, level: str = "info") -> None:
        colour = {"error": theme.DANGER, "ok": theme.OK}.get(level, theme.MUTED)
        self.status.setStyleSheet(theme.text_style(colour, bold=level != "info"))
        self.status.setText(text)

    def _open_page(self) -> None:
        if self.code is not None:
            QDesktopServices.openUrl(QUrl(self.code.verification_uri))

    def _copy_code(self) -> None:
        if self.code is not None:
            QGuiApplication.clipboard().setText(self.code.user_code)
            self._say(tr("代码已复制，粘贴到登录页面即可"))

    # --- the sign-in ---------------------------------------------------------------------------
    @property
    def waiting(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Ask the platform for a code and wait for the streamer (again, after a failure)."""
        if self.waiting:
            return
        self.retry_button.setVisible(False)
        self._show_code(None)
        self.step.setText(tr("正在向平台申请登录代码…"))
        self._say("")
        self._task = asyncio.get_running_loop().create_task(self._run())

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._task is None:
            self.start()

    async def _run(self) -> None:
        def show(code: SignInCode) -> None:
            if shiboken6.isValid(self):
                self._show_code(code)

        try:
            values = await self.factory.sign_in(self.entered, show)
        except asyncio.CancelledError:
            raise
        except PlatformError as exc:
            self._failed(localize(exc.message))
            return
        except Exception as exc:  # a plugin's bug must not end the dialog silently
            log.exception("sign-in failed")
            self._failed(tr("登录失败：{why}").format(why=type(exc).__name__))
            return
        if not shiboken6.isValid(self):
            return
        self.values = {str(k): str(v) for k, v in dict(values).items()}
        self._say(tr("登录成功"), "ok")
        self.accept()

    def _failed(self, text: str) -> None:
        if not shiboken6.isValid(self):
            return
        self._show_code(None)
        self.step.setText("")
        self._say(text, "error")
        self.retry_button.setVisible(True)

    def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()

    def reject(self) -> None:
        self._cancel()
        super().reject()

    def done(self, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            self._cancel()
        super().done(result)


async def sign_in(factory: Any, entered: Mapping[str, str], parent: QWidget) -> dict[str, str]:
    """Show the dialog over ``parent`` until the streamer signed in or gave up; the values
    (empty when they gave up)."""
    dialog = SignInDialog(factory, entered, parent)
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not done.done():
            done.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        await done
    finally:
        with contextlib.suppress(RuntimeError):
            dialog.deleteLater()
    return dialog.values or {}
