"""The orders feed model: bounded, batched (one insert per flush), one row per order.

Arrivals are order events (created → paid → refunded for the same order): a later event updates
that order's row in place (one dataChanged per flush) while it is still shown; otherwise the order
is appended. Amounts are in the room's currency (``currency``: a Shopify shop's dollars read
``$89.00``). Display text is formatted once per flush, so ``data()`` is a tuple lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.format import money, time_of_day
from app.platform import models as m
from ui import theme
from ui.batched_model import BatchedModel
from ui.i18n import tr

Index = QModelIndex | QPersistentModelIndex
OrderRole = Qt.ItemDataRole.UserRole + 1

COLUMNS = ("时间", "买家", "商品", "SKU", "件数", "金额", "状态")
STATUS_TEXT = {"created": "待支付", "paid": "已支付", "refunded": "已退款"}
STATUS_COLOUR = {"created": theme.WARNING, "paid": theme.OK, "refunded": theme.FADED}
RIGHT = {4, 5}  # numeric columns


@dataclass(frozen=True, slots=True)
class OrderRow:
    order: m.Order
    cells: tuple[str, ...]


def row_of(order: m.Order, currency: str = m.DEFAULT_CURRENCY) -> OrderRow:
    return OrderRow(
        order,
        (
            time_of_day(order.created_ts),
            order.nickname,
            order.product_title or order.product_id,
            order.sku_name or order.sku_id or "",
            f"×{order.quantity}",
            money(order.amount_cents, currency),
            tr(STATUS_TEXT.get(order.status, order.status)),
        ),
    )


class OrdersModel(BatchedModel[OrderRow]):
    def __init__(
        self,
        capacity: int = 5_000,
        *,
        flush_hz: float = 10.0,
        currency: Callable[[], str] = lambda: m.DEFAULT_CURRENCY,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(capacity, flush_hz=flush_hz, parent=parent)
        #: the room's currency now (an order's amount is in the catalogue's currency)
        self.currency = currency
        self._incoming: dict[str, m.Order] = {}  # latest state per order id, arrival order
        self._pos: dict[str, int] = {}  # order id → absolute row (row + removed_total)
        self._colours = {k: QColor(v) for k, v in STATUS_COLOUR.items()}
        self._headers = [tr(c) for c in COLUMNS]

    # --- feeding -----------------------------------------------------------------------------
    def add_orders(self, orders: Sequence[m.Order]) -> None:
        incoming = self._incoming
        for o in orders:
            incoming[o.id] = o
        if len(incoming) > 2 * self.capacity:  # flushes stalled: keep only what could show
            for oid in list(incoming)[: len(incoming) - self.capacity]:
                del incoming[oid]

    @property
    def pending_count(self) -> int:
        return len(self._incoming)

    def _take_pending(self) -> list[OrderRow]:
        incoming, self._incoming = self._incoming, {}
        new: list[OrderRow] = []
        lo = hi = -1
        base = self.removed_total
        currency = self.currency()
        for oid, order in incoming.items():
            at = self._pos.get(oid, -1) - base
            if 0 <= at < len(self._rows):
                self._rows[at] = row_of(order, currency)
                lo = at if lo < 0 else min(lo, at)
                hi = max(hi, at)
            else:
                new.append(row_of(order, currency))
        if lo >= 0:
            self.dataChanged.emit(self.index(lo, 0), self.index(hi, len(COLUMNS) - 1))
        return new

    def _prepare_rows(self, items: list[OrderRow]) -> list[OrderRow]:
        first = self.removed_total + len(self._rows)
        for i, r in enumerate(items):
            self._pos[r.order.id] = first + i
        if len(self._pos) > 2 * self.capacity + len(items):
            base = self.removed_total
            self._pos = {k: v for k, v in self._pos.items() if v >= base}
        return items

    def _reset_hook(self) -> None:
        self._pos = {}
        self._incoming = {}

    def order(self, row: int) -> m.Order:
        return self._rows[row].order

    # --- Qt model ----------------------------------------------------------------------------
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        r = self._rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return r.cells[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colours.get(r.order.status) if index.column() == 6 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if index.column() in RIGHT:
                return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return None
        if role == OrderRole:
            return r.order
        return None

    def retranslate(self) -> None:
        """After a live language switch (ui/i18n.py): the headers in the new language."""
        self._headers = [tr(c) for c in COLUMNS]
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._headers)
        ):
            return self._headers[section]
        return None
