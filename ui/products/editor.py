"""Edit a product's price and stock: checked here first, then sent; the platform's refusal (422)
is shown next to the field it names. The queue changes when ``product_updated`` comes back.

Guardrails (app/live/price_guard.py): the dialog shows the crossed-out original price and the
price of a scheduled/running flash sale; a price at or below that flash price is refused here;
a price more than the configured percentage below the current (or the show's starting) price
asks first with old → new (ui/confirm.py: 取消 is the default, and sends nothing). Whatever
fails, the dialog stays open with the typed text. A saved edit is announced with ``edited``
(a :class:`~app.live.price_guard.ProductEdit`) so the queue can offer to undo it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.format import money, money_plain
from app.live.price_guard import (
    DEFAULT_MAX_DROP_PERCENT,
    PriceRisk,
    ProductEdit,
    flash_floor,
    flash_floor_problem,
    price_risk,
)
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError
from ui import theme
from ui.confirm import confirm_box
from ui.i18n import localize, tr
from ui.products.validation import InputError, parse_price, parse_stock, price_example

ERROR_STYLE = theme.text_style(theme.DANGER)

#: asks the operator about a risky price: (parent, product, risk) → go ahead?
AskPrice = Callable[[QWidget, m.Product, PriceRisk], bool]


def price_question(product: m.Product, risk: PriceRisk) -> tuple[str, str, str, str]:
    """(title, text, details, action) of the question: the change in large type
    (「¥399.00 → ¥3.59（降价 99%）」), then the product, why, and that it applies at once."""
    details = "\n".join(
        [
            tr("「{title}」").format(title=product.title),
            *risk.reasons,
            tr("新价格保存后立即生效，观众马上就能按新价格下单。"),
        ]
    )
    return tr("确认改价"), risk.change_text, details, tr("确认改价")


def price_box(parent: QWidget, product: m.Product, risk: PriceRisk) -> QMessageBox:
    """The question as a box (ui/confirm.py: 取消 is the default; all of it plain text)."""
    title, text, details, action = price_question(product, risk)
    box = confirm_box(parent, title, text, action=action)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setInformativeText(details)
    info = box.findChild(QLabel, "qt_msgbox_informativelabel")
    if info is not None:
        info.setTextFormat(Qt.TextFormat.PlainText)  # the title is the platform's text
    box.setStyleSheet(
        f"QLabel#qt_msgbox_label {{ font-size: 16pt; font-weight: 700; color: {theme.DANGER}; }}"
    )
    return box


def ask_price(parent: QWidget, product: m.Product, risk: PriceRisk) -> bool:
    """Ask the price question; True only when the operator chose 确认改价."""
    box = price_box(parent, product, risk)
    box.exec()
    clicked = box.clickedButton()
    return clicked is not None and clicked.objectName() == "confirmAction"


class ProductEditor(QDialog):
    saved = Signal(str)  # product id
    edited = Signal(object)  # ProductEdit: before → after, for the undo

    def __init__(
        self,
        room: LiveRoom,
        product: m.Product,
        parent: QWidget | None = None,
        *,
        max_drop_percent: int = DEFAULT_MAX_DROP_PERCENT,
        start_cents: int | None = None,
        ask: AskPrice = ask_price,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("productEditor")
        self.room = room
        self.product = product
        self.max_drop_percent = max_drop_percent
        self.start_cents = start_cents
        self.ask = ask
        self.setWindowTitle(tr("编辑商品"))
        title = QLabel(product.title, self)
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        cur = self.currency = room.currency
        self.price = QLineEdit(money_plain(product.price_cents, cur), self)
        self.price.setObjectName("priceEdit")
        self.price.setPlaceholderText(
            tr("单位：元，如 129.90")
            if cur == "CNY"
            else tr("单位：{currency}，如 {example}").format(
                currency=cur, example=price_example(cur)
            )
        )
        self.stock = QLineEdit(str(product.stock), self)
        self.stock.setObjectName("stockEdit")
        self.price_error = self._error_label("priceError")
        self.stock_error = self._error_label("stockError")
        self.form_error = self._error_label("formError")
        # what the price is measured against: shown, never typed over
        self.reference = QLabel(self._reference_text(), self)
        self.reference.setObjectName("priceReference")
        self.reference.setTextFormat(Qt.TextFormat.PlainText)
        self.reference.setStyleSheet(theme.text_style(theme.MUTED))
        form = QFormLayout()
        price_label = (
            tr("价格（元）") if cur == "CNY" else tr("价格（{currency}）").format(currency=cur)
        )
        form.addRow(price_label, self.price)
        form.addRow("", self.reference)
        form.addRow("", self.price_error)
        form.addRow(tr("库存"), self.stock)
        form.addRow("", self.stock_error)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(
            tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.form_error)
        layout.addWidget(self.buttons)
        self.task: asyncio.Task[None] | None = None
        self.setEnabled(room.can_act)

    def _flash_floor(self) -> int | None:
        return flash_floor(self.room.flash_sales, self.product.id)

    def _reference_text(self) -> str:
        p = self.product
        parts = [tr("现价 {price}").format(price=money(p.price_cents, self.currency))]
        if p.original_price_cents:
            parts.append(
                tr("原价 {price}").format(price=money(p.original_price_cents, self.currency))
            )
        if self.start_cents and self.start_cents != p.price_cents:
            parts.append(tr("开场价 {price}").format(price=money(self.start_cents, self.currency)))
        floor = self._flash_floor()
        if floor is not None:
            parts.append(tr("秒杀价 {price}").format(price=money(floor, self.currency)))
        return " · ".join(parts)

    def _error_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        return label

    def _show(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def errors(self) -> dict[str, str]:
        """Visible messages by field (price / stock / form)."""
        labels = {"price": self.price_error, "stock": self.stock_error, "form": self.form_error}
        return {k: v.text() for k, v in labels.items() if v.text()}

    # --- submit --------------------------------------------------------------------------------
    def submit(self) -> None:
        """Check both fields; send only what changed; stay open with messages on any problem.
        A risky price asks first (a modal question: call this from Qt's dispatch)."""
        for label in (self.price_error, self.stock_error, self.form_error):
            self._show(label, "")
        price = stock = None
        try:
            price = parse_price(self.price.text(), self.currency)
        except InputError as exc:
            self._show(self.price_error, str(exc))
        try:
            stock = parse_stock(self.stock.text())
        except InputError as exc:
            self._show(self.stock_error, str(exc))
        if price is None or stock is None:
            (self.price if price is None else self.stock).setFocus()
            return
        current = self.room.product(self.product.id) or self.product
        send_price = price if price != current.price_cents else None
        send_stock = stock if stock != current.stock else None
        if send_price is None and send_stock is None:
            self.accept()  # nothing changed
            return
        if send_price is not None:
            problem = flash_floor_problem(self._flash_floor(), send_price, self.currency)
            if problem:
                self._show(self.price_error, problem)
                self.price.setFocus()
                return
            risk = price_risk(
                current,
                send_price,
                start_cents=self.start_cents,
                max_drop_percent=self.max_drop_percent,
                currency=self.currency,
            )
            if risk is not None and not self.ask(self, current, risk):
                self._show(self.form_error, tr("已取消改价，未发送"))
                self.price.setFocus()
                return
        self.send(price_cents=send_price, stock=send_stock)

    def send(self, *, price_cents: int | None = None, stock: int | None = None) -> None:
        """Send the change (already checked); the platform's verdict decides what happens next."""
        self.save_button.setEnabled(False)
        self._show(self.form_error, "")
        self.task = spawn(self._send(price_cents, stock), name="product-edit")

    async def _send(self, price_cents: int | None, stock: int | None) -> None:
        before = self.room.product(self.product.id) or self.product
        try:
            after = await self.room.update_product(
                self.product.id, price_cents=price_cents, stock=stock
            )
        except PlatformError as exc:
            self.save_button.setEnabled(True)
            label = {
                "price_cents": self.price_error,
                "stock": self.stock_error,
                "stock_delta": self.stock_error,
            }.get(exc.field or "", self.form_error)
            self._show(label, tr("平台拒绝：{message}").format(message=localize(exc.message)))
            return  # the typed text stays for the operator to correct
        self.edited.emit(ProductEdit(before, after, currency=self.currency))
        self.saved.emit(self.product.id)
        self.accept()
