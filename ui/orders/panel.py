"""The orders dock: a live table of orders (newest at the bottom), following unless scrolled up.

The table and the counts line above it describe the same session: when a new session starts the
table begins again, as the counts do (the room's orders ring is per session)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.format import money
from app.live.room import METRICS, SESSION, LiveRoom
from app.platform import models as m
from ui.coalesce import Coalescer
from ui.headers import fit_headers
from ui.i18n import tr
from ui.lifetime import unsubscribe_on_destroy
from ui.orders.model import OrdersModel

if TYPE_CHECKING:
    from ui.context import ConsoleContext

#: the counts line under the orders feed: redrawn at most this often while orders pour in
SUMMARY_MS = 250


class OrdersPanel(QWidget):
    def __init__(
        self, room: LiveRoom, *, capacity: int = 5_000, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.room = room
        self.model = OrdersModel(capacity, currency=lambda: room.currency, parent=self)
        self.model.reset_to([])
        self.model.add_orders(list(room.orders))
        self._session_id = room.session.id if room.session else None
        self.summary = QLabel(self)
        self.summary.setObjectName("ordersSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.view = QTableView(self)
        self.view.setObjectName("ordersView")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((70, 110, 200, 80, 50, 90, 60)):
            self.view.setColumnWidth(col, width)
        fit_headers(self.view)  # English headers stay whole
        self.model.headerDataChanged.connect(lambda *_: fit_headers(self.view))
        header.setStretchLastSection(True)
        self._follow = True
        bar = self.view.verticalScrollBar()
        bar.valueChanged.connect(lambda v: setattr(self, "_follow", v >= bar.maximum() - 2))
        self.model.rowsAboutToBeInserted.connect(self._before_insert)
        self.model.rowsInserted.connect(self._after_insert)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self._summary = Coalescer(self._show_summary, SUMMARY_MS, self)
        self._unsubs = [room.subscribe_orders(self._arrived), room.subscribe(self._changed)]
        unsubscribe_on_destroy(self, *self._unsubs)
        self._changed(frozenset({METRICS}))

    def _arrived(self, orders: Sequence[m.Order]) -> None:
        self.model.add_orders(orders)

    def _before_insert(self) -> None:
        bar = self.view.verticalScrollBar()
        self._follow = bar.value() >= bar.maximum() - 2

    def _after_insert(self) -> None:
        if self._follow:
            self.view.scrollToBottom()

    def _changed(self, changes: frozenset[str]) -> None:
        if SESSION in changes:
            sid = self.room.session.id if self.room.session else None
            if sid != self._session_id:
                self._session_id = sid
                self.model.reset_to([])  # a new session: its orders only, like the counts
                self.model.add_orders(list(self.room.orders))
                self._follow = True
        if METRICS in changes:
            self._summary.request()

    def _show_summary(self) -> None:
        mt = self.room.metrics
        self.summary.setText(
            tr("下单 {orders} · 支付 {paid} · 支付金额 {gmv} · 退款 {refunded}").format(
                orders=mt.orders,
                paid=mt.paid_orders,
                gmv=money(mt.paid_gmv_cents, self.room.currency),
                refunded=money(mt.refunded_cents, self.room.currency),
            )
        )


def make(ctx: ConsoleContext) -> OrdersPanel:
    """The 订单 dock (ui/panels.py)."""
    return OrdersPanel(ctx.room)
