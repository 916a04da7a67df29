"""Edit a product's price and stock: checked here first, then sent; the platform's refusal (422)
is shown next to the field it names. The queue changes when ``product_updated`` comes back."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.aio import spawn
from app.live.room import LiveRoom
from app.platform import models as m
from app.platform.errors import PlatformError
from ui.i18n import localize, tr
from ui.products.validation import InputError, parse_price_yuan, parse_stock, yuan_plain

ERROR_STYLE = "color:#c62828;"


class ProductEditor(QDialog):
    saved = Signal(str)  # product id

    def __init__(self, room: LiveRoom, product: m.Product, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("productEditor")
        self.room = room
        self.product = product
        self.setWindowTitle(tr("编辑商品"))
        title = QLabel(product.title, self)
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        self.price = QLineEdit(yuan_plain(product.price_cents), self)
        self.price.setObjectName("priceEdit")
        self.price.setPlaceholderText(tr("单位：元，如 129.90"))
        self.stock = QLineEdit(str(product.stock), self)
        self.stock.setObjectName("stockEdit")
        self.price_error = self._error_label("priceError")
        self.stock_error = self._error_label("stockError")
        self.form_error = self._error_label("formError")
        form = QFormLayout()
        form.addRow(tr("价格（元）"), self.price)
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
        """Check both fields; send only what changed; stay open with messages on any problem."""
        for label in (self.price_error, self.stock_error, self.form_error):
            self._show(label, "")
        price = stock = None
        try:
            price = parse_price_yuan(self.price.text())
        except InputError as exc:
            self._show(self.price_error, str(exc))
        try:
            stock = parse_stock(self.stock.text())
        except InputError as exc:
            self._show(self.stock_error, str(exc))
        if price is None or stock is None:
            (self.price if price is None else self.stock).setFocus()
            return
        send_price = price if price != self.product.price_cents else None
        send_stock = stock if stock != self.product.stock else None
        if send_price is None and send_stock is None:
            self.accept()  # nothing changed
            return
        self.send(price_cents=send_price, stock=send_stock)

    def send(self, *, price_cents: int | None = None, stock: int | None = None) -> None:
        """Send the change (already checked); the platform's verdict decides what happens next."""
        self.save_button.setEnabled(False)
        self._show(self.form_error, "")
        self.task = spawn(self._send(price_cents, stock), name="product-edit")

    async def _send(self, price_cents: int | None, stock: int | None) -> None:
        try:
            await self.room.update_product(self.product.id, price_cents=price_cents, stock=stock)
        except PlatformError as exc:
            self.save_button.setEnabled(True)
            label = {
                "price_cents": self.price_error,
                "stock": self.stock_error,
                "stock_delta": self.stock_error,
            }.get(exc.field or "", self.form_error)
            self._show(label, tr("平台拒绝：{message}").format(message=localize(exc.message)))
            return
        self.saved.emit(self.product.id)
        self.accept()
