"""平台 → 连接平台…: choose a platform, enter what it needs, test it, connect.

Every ``livedesk.platforms`` factory is listed by its name in the UI language
(app/platform/fields.py ``display_name``), with its ``note`` (bilibili-web: personal use, not a
sanctioned API) and one input per declared field (``ConnectionField``). Stored values are
prefilled (app/platform/credentials.py); a stored secret is never shown: its input stays empty,
masked, with 「已保存 · 留空则保留」, and left empty it is kept.

测试连接 opens the adapter on the loop (a task, not the UI thread's critical path; up to
:data:`TEST_TIMEOUT_S`, cancellable by the same button or by closing the dialog), shows the room
it resolved to or the platform's reason (a ``PlatformError`` message, already in the UI
language), then closes the test adapter.

商品与订单来源 (optional, none by default: the platform's own) picks a commerce backend — any
platform offering a shop (catalogue, orders, coupons, flash sales; app/platform/capabilities.py
``COMMERCE``) — whose shop joins the platform's chat in one room (app/platform/composite.py),
with that backend's own fields under it (kept apart from the same platform's chat values:
``commerce=True`` in app/platform/credentials.py). It opens on the shop chosen last.

Guarantees: the dialog stores nothing. 连接 hands :meth:`ConnectDialog.choice` (the platform and
the values, stored secrets filled in) to the caller, which saves them only once the platform
opened (ui/launch.py): a failed test, a cancel or a failed connection leaves the settings and the
keyring as they were. Texts are plain text; secrets never appear in a label or a log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn, wait_within
from app.i18n import localize
from app.platform.capabilities import COMMERCE
from app.platform.credentials import SANDBOX, merged, stored
from app.platform.errors import PlatformError
from app.platform.fields import (
    ConnectionField,
    can_sign_in,
    display_name,
    factory_note,
    fields_of,
    missing_fields,
    missing_message,
)
from app.platform.registry import platform_factories
from ui import theme
from ui.i18n import tr

log = logging.getLogger(__name__)

#: the longest a 测试连接 waits for the platform (a start retried through a cool-down included)
TEST_TIMEOUT_S = 45.0
FIRST_FIELD_ROW = 2  # the form's rows: 平台, the platform's note, then its fields


@dataclass
class Choice:
    """What 连接 chose: the platform's name and its values (stored secrets filled in)."""

    platform: str
    values: dict[str, str] = field(default_factory=dict)
    #: the commerce backend whose shop joins the room (None: the platform's own) and its values
    commerce: str | None = None
    commerce_values: dict[str, str] = field(default_factory=dict)


def offers_shop(factory: Any) -> bool:
    """Whether ``factory``'s platform can be a room's commerce backend."""
    return bool(frozenset(getattr(factory, "capabilities", ())) & COMMERCE)


def connection_settings(platform: str, values: Mapping[str, str], role: str) -> dict[str, Any]:
    """The settings a test (and a connection) hands to the factory's ``open``: the values, empty
    ones left out (the adapter's environment fallbacks still apply), and the operator's role."""
    out: dict[str, Any] = {k: v for k, v in values.items() if v}
    out["role"] = role
    return out


class _HelpLine(QLabel):
    """A wrapped, plain-text help line that asks the form for exactly the height its text needs
    at its width (a QLabel's own hint guesses a width: rows were cut off or spaced apart)."""

    GUESS = 560  # the field column's width in a dialog of the minimum width

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def sizeHint(self) -> QSize:
        width = self.width() if self.width() > 100 else self.GUESS
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(100, self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()  # another width, another number of lines


class ConnectDialog(QDialog):
    """``choice()`` after ``exec()``/``accepted``: what to connect to."""

    def __init__(
        self,
        settings: Any,
        parent: QWidget | None = None,
        *,
        current: str | None = None,
        message: str = "",
        entered: Choice | None = None,
        factories: Mapping[str, Any] | None = None,
        timeout: float = TEST_TIMEOUT_S,
        commerce: str | None = None,
    ) -> None:
        """``current``: the platform selected first (default: the one in the settings);
        ``message``: why the dialog opened (e.g. the reason a connection failed);
        ``entered``: values typed before (a failed connection: the operator fixes one field);
        ``commerce``: the shop selected first (default: the one in the settings)."""
        super().__init__(parent)
        self.settings = settings
        self.timeout = timeout
        self.factories = dict(factories if factories is not None else platform_factories())
        self.entered = entered
        self.inputs: dict[str, QLineEdit] = {}
        self.shop_inputs: dict[str, QLineEdit] = {}
        self._stored: dict[str, str] = {}
        self._test: asyncio.Task[None] | None = None
        self.setObjectName("connectDialog")
        self.setWindowTitle(tr("连接平台"))
        self.setMinimumWidth(680)
        lay = QVBoxLayout(self)
        self.message = QLabel(self)
        self.message.setObjectName("connectMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet(theme.text_style(theme.DANGER, bold=True))
        self.message.setText(message)
        self.message.setVisible(bool(message))
        lay.addWidget(self.message)
        self.form_holder = QWidget(self)
        self.form = QFormLayout(self.form_holder)  # 平台, its note, then one row per field
        self.form.setContentsMargins(0, 0, 0, 0)
        self.platform = QComboBox(self.form_holder)
        self.platform.setObjectName("connectPlatform")
        for name, factory in self.factories.items():
            self.platform.addItem(display_name(factory), name)
        self.form.addRow(tr("平台"), self.platform)
        self.note = QLabel(self.form_holder)
        self.note.setObjectName("connectNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setStyleSheet(theme.text_style(theme.WARNING_STRONG))
        self.form.addRow("", self.note)
        lay.addWidget(self.form_holder)
        self.shop_holder = QWidget(self)
        self.shop_form = QFormLayout(self.shop_holder)  # 商品与订单来源, then its fields
        self.shop_form.setContentsMargins(0, 0, 0, 0)
        self.shop = QComboBox(self.shop_holder)
        self.shop.setObjectName("connectCommerce")
        self.shop.addItem("", "")  # 无: its words depend on the platform (_no_shop_text)
        for name, factory in self.factories.items():
            if offers_shop(factory):
                self.shop.addItem(display_name(factory), name)
        self.shop.setToolTip(
            tr("可选：商品、库存、价格、订单、优惠券和秒杀来自这个来源，评论与礼物来自上面的平台")
        )
        self.shop_form.addRow(tr("商品与订单来源"), self.shop)
        lay.addWidget(self.shop_holder)
        self.test_button = QPushButton(tr("测试连接"), self)
        self.test_button.setObjectName("connectTest")
        self.test_button.clicked.connect(self.toggle_test)
        self.sign_in_button = QPushButton(self)  # 用 Twitch 账号登录… (a factory's sign_in)
        self.sign_in_button.setObjectName("connectSignIn")
        self.sign_in_button.clicked.connect(self.start_sign_in)
        self._sign_in: asyncio.Task[None] | None = None
        actions = QHBoxLayout()
        actions.addWidget(self.test_button)
        actions.addWidget(self.sign_in_button)
        actions.addStretch(1)
        lay.addLayout(actions)
        self.outcome = QLabel(self)
        self.outcome.setObjectName("connectResult")
        self.outcome.setWordWrap(True)
        self.outcome.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.outcome)
        lay.addStretch(1)
        self.buttons = QDialogButtonBox(self)
        self.go_button = self.buttons.addButton(tr("连接"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.go_button.setObjectName("connectGo")
        cancel = self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("connectCancel")
        self.buttons.accepted.connect(self.connect_chosen)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        first = (entered.platform if entered else None) or current or settings.platform.adapter
        index = self.platform.findData(first)
        self.platform.setCurrentIndex(max(0, index))
        self.platform.currentIndexChanged.connect(self._platform_changed)
        self._platform_changed()
        wanted = (
            entered.commerce
            if entered is not None
            else (commerce if commerce is not None else settings.platform.commerce)
        )
        self.shop.setCurrentIndex(max(0, self.shop.findData(wanted or "")))
        self.shop.currentIndexChanged.connect(self._shop_changed)
        self._shop_changed()

    # --- the form ------------------------------------------------------------------------------
    @property
    def chosen(self) -> str:
        return str(self.platform.currentData())

    @property
    def fields(self) -> tuple[ConnectionField, ...]:
        return fields_of(self.factories[self.chosen])

    def _no_shop_text(self) -> str:
        """The 无 choice says what it means for the chosen platform: its own catalogue, or none
        at all (Bilibili, Twitch: comments and gifts only)."""
        if offers_shop(self.factories[self.chosen]):
            return tr("无（使用平台自己的商品与订单）")
        return tr("无（只有评论与礼物，没有商品与订单）")

    def _platform_changed(self) -> None:
        self._cancel_test()
        self._say("")
        name = self.chosen
        factory = self.factories[name]
        note = factory_note(factory)
        self.note.setText(note)
        self.form.setRowVisible(1, bool(note))
        while self.form.rowCount() > FIRST_FIELD_ROW:
            self.form.removeRow(FIRST_FIELD_ROW)
        self._stored = stored(name, self.fields, self.settings)
        typed = self.entered.values if self.entered and self.entered.platform == name else {}
        self.inputs = self._add_fields(self.form, self.form_holder, self.fields, typed)
        if not self.fields:
            self.form.addRow(QLabel(tr("这个平台不需要填写任何信息"), self.form_holder))
        self.shop.setItemText(0, self._no_shop_text())
        self.sign_in_button.setVisible(can_sign_in(factory))
        self.sign_in_button.setText(
            tr("用 {platform} 账号登录…").format(platform=display_name(factory))
        )
        self._refresh_test_button()
        self._fit_height()

    def _add_fields(
        self,
        form: QFormLayout,
        holder: QWidget,
        fields: tuple[ConnectionField, ...],
        typed: Mapping[str, str],
        kept: Mapping[str, str] | None = None,
        prefix: str = "field",
    ) -> dict[str, QLineEdit]:
        """One row per field at the end of ``form``: stored values prefilled (never a stored
        secret), what was ``typed`` before over them."""
        known = self._stored if kept is None else kept
        inputs: dict[str, QLineEdit] = {}
        for f in fields:
            edit = QLineEdit(holder)
            edit.setObjectName(f"{prefix}:{f.name}")
            if f.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                if known.get(f.name):
                    edit.setPlaceholderText(tr("已保存 · 留空则保留"))
                elif f.optional:
                    edit.setPlaceholderText(tr("可不填"))
            else:
                edit.setText(known.get(f.name, ""))
                if f.optional:
                    edit.setPlaceholderText(tr("可不填"))
            value = typed.get(f.name, "")
            if value and (not f.secret or value != known.get(f.name)):
                edit.setText(value)  # what the operator typed before (never a stored secret)
            edit.textChanged.connect(lambda _t: self._edited())
            label = QLabel(tr(f.label), holder)
            label.setBuddy(edit)
            cell = QWidget(holder)  # the input, and under it where to find the value
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(edit)
            if f.help:
                edit.setToolTip(tr(f.help))
                label.setToolTip(tr(f.help))
                hint = _HelpLine(tr(f.help), cell)
                hint.setObjectName(f"help:{f.name}")
                hint.setStyleSheet(theme.text_style(theme.MUTED))
                column.addWidget(hint)
            form.addRow(label, cell)
            inputs[f.name] = edit
        return inputs

    @property
    def chosen_commerce(self) -> str | None:
        """The commerce backend chosen (None: the platform's own shop)."""
        return str(self.shop.currentData() or "") or None

    @property
    def shop_fields(self) -> tuple[ConnectionField, ...]:
        name = self.chosen_commerce
        return fields_of(self.factories[name]) if name else ()

    def _shop_changed(self) -> None:
        self._cancel_test()
        self._say("")
        while self.shop_form.rowCount() > 1:
            self.shop_form.removeRow(1)
        name = self.chosen_commerce
        self._shop_stored = (
            stored(name, self.shop_fields, self.settings, commerce=True) if name else {}
        )
        e = self.entered
        typed = e.commerce_values if e is not None and e.commerce == name else {}
        self.shop_inputs = self._add_fields(
            self.shop_form,
            self.shop_holder,
            self.shop_fields,
            typed,
            self._shop_stored,
            "shop-field",
        )
        self._refresh_test_button()
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the rows need. Rows added to a dialog on screen are shown on the next
        turn of the loop and only then count in its size: fit again then."""
        self._fit_now()
        QTimer.singleShot(0, self._fit_later)

    def _fit_later(self) -> None:
        if shiboken6.isValid(self):
            self._fit_now()

    def _fit_now(self) -> None:
        self.form_holder.adjustSize()
        self.shop_holder.adjustSize()
        lay = self.layout()
        if lay is not None:
            lay.activate()
        self.resize(self.width(), self.sizeHint().height())

    def _testable(self) -> bool:
        # the built-in sandbox is started by the console itself: nothing to test
        return not (self.chosen == SANDBOX and not self.values().get("url"))

    def _refresh_test_button(self) -> None:
        testable = self._testable()
        self.test_button.setEnabled(testable)
        self.test_button.setToolTip("" if testable else tr("内置沙盒由中控台自己启动，无需测试"))

    def _edited(self) -> None:
        self._cancel_test()
        self._say("")
        self._refresh_test_button()

    def values(self) -> dict[str, str]:
        """What the inputs say, a secret left empty replaced by the stored one."""
        typed = {name: edit.text() for name, edit in self.inputs.items()}
        return merged(self.chosen, self.fields, self.settings, typed)

    def shop_values(self) -> dict[str, str]:
        """The shop's inputs, a secret left empty replaced by the stored one ({} without one)."""
        name = self.chosen_commerce
        if name is None:
            return {}
        typed = {n: edit.text() for n, edit in self.shop_inputs.items()}
        return merged(name, self.shop_fields, self.settings, typed, commerce=True)

    def choice(self) -> Choice:
        return Choice(self.chosen, self.values(), self.chosen_commerce, self.shop_values())

    def _say(self, text: str, level: str = "info") -> None:
        colour = {"error": theme.DANGER, "ok": theme.OK}.get(level, "")
        self.outcome.setStyleSheet(theme.text_style(colour, bold=True) if colour else "")
        self.outcome.setText(text)

    def _missing(self) -> str:
        missing = missing_fields(self.fields, self.values())
        missing += missing_fields(self.shop_fields, self.shop_values())
        return missing_message(missing) if missing else ""

    # --- 用 … 账号登录 ---------------------------------------------------------------------------
    def start_sign_in(self) -> None:
        if self._sign_in is not None and not self._sign_in.done():
            return
        self._cancel_test()
        self._sign_in = asyncio.get_running_loop().create_task(self._run_sign_in())

    async def _run_sign_in(self) -> None:
        from ui.platform.sign_in_dialog import sign_in

        platform = self.chosen
        got = await sign_in(self.factories[platform], self.values(), self)
        if not got or not shiboken6.isValid(self) or self.chosen != platform:
            return
        for name, value in got.items():
            if name in self.inputs:
                self.inputs[name].setText(value)
        self._say(tr("已登录：令牌已填入，连接成功后保存到系统钥匙串"), "ok")

    # --- 测试连接 ------------------------------------------------------------------------------
    @property
    def test_task(self) -> asyncio.Task[None] | None:
        """The 测试连接 running now (None when none)."""
        return self._test if self.testing else None

    @property
    def testing(self) -> bool:
        return self._test is not None and not self._test.done()

    def toggle_test(self) -> None:
        if self.testing:
            self._cancel_test()
            self._say(tr("已取消测试"))
            return
        problem = self._missing()
        if problem:
            self._say(problem, "error")
            return
        self._say(tr("正在连接 {platform}…").format(platform=self.platform.currentText()))
        self.test_button.setText(tr("取消测试"))
        factory = self.factories[self.chosen]
        settings = connection_settings(self.chosen, self.values(), self.settings.platform.role)
        name = self.chosen_commerce
        shop = None
        if name is not None:  # the shop is opened too (a built-in sandbox shop is not started)
            shop = (self.factories[name], connection_settings(name, self.shop_values(), "host"))
            if name == SANDBOX and not shop[1].get("url"):
                shop = None
        self._test = spawn(self._run_test(factory, settings, shop), name="connect-test")

    async def _run_test(
        self, factory: Any, settings: dict[str, Any], shop: tuple[Any, dict[str, Any]] | None = None
    ) -> None:
        adapter = shop_adapter = None
        try:
            if shop is not None:  # the shop is read once: its credentials are really checked
                try:
                    shop_adapter = await wait_within(shop[0].open(shop[1]), self.timeout)
                    await wait_within(shop_adapter.snapshot(), self.timeout)
                except PlatformError as exc:
                    raise PlatformError(
                        exc.code, tr("商品与订单来源：{e}").format(e=localize(exc.message))
                    ) from None
            adapter = await wait_within(factory.open(settings), self.timeout)
            try:
                info = await wait_within(adapter.room_info(), 10)
                got = (info.id, info.title)
            except (PlatformError, TimeoutError):
                got = (str(adapter.room), "")
            result, level = self._room_text(*got), "ok"
        except PlatformError as exc:
            result, level = exc.message, "error"
        except TimeoutError:
            result = tr("{s:.0f} 秒内没有连上平台，请检查网络和填写的信息").format(s=self.timeout)
            level = "error"
        except (OSError, ValueError) as exc:
            log.warning("connection test failed: %s", type(exc).__name__)
            result, level = tr("连接失败：{e}").format(e=type(exc).__name__), "error"
        finally:
            for opened in (adapter, shop_adapter):
                if opened is not None:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(opened.close())
        if shiboken6.isValid(self):
            self.test_button.setText(tr("测试连接"))
            self._say(result, level)

    def _room_text(self, room: str, title: str) -> str:
        text = tr("连接成功：房间 {room}").format(room=room)
        return f"{text} · {title}" if title else text

    def _cancel_test(self) -> None:
        if self.testing:
            assert self._test is not None
            self._test.cancel()
        self._test = None
        if shiboken6.isValid(self.test_button):
            self.test_button.setText(tr("测试连接"))

    # --- 连接 / 取消 ---------------------------------------------------------------------------
    def connect_chosen(self) -> None:
        problem = self._missing()
        if problem:
            self._say(problem, "error")
            return
        self._cancel_test()
        self.accept()

    def reject(self) -> None:
        self._cancel_test()
        if self._sign_in is not None:
            self._sign_in.cancel()
        super().reject()


def open_dialog_async(dialog: ConnectDialog) -> asyncio.Future[Choice | None]:
    """Show ``dialog`` (window-modal) and resolve with its choice, or None when cancelled."""
    done: asyncio.Future[Choice | None] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not done.done():
            done.set_result(dialog.choice() if result == QDialog.DialogCode.Accepted else None)

    dialog.finished.connect(finished)
    dialog.open()
    return done
