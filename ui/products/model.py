"""The queue as a Qt list model: rows re-rendered from the room (never edited by the view).

A drop does not move a row: it emits ``move_requested(product_id, to_index)``; the panel sends
the reorder, and the rows change when the platform's ``products_reordered`` event comes back.
Row texts are formatted once per refresh, prices in the room's currency (``set_rows(currency=)``);
``data()`` is a lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.format import money
from app.platform import models as m
from ui.i18n import tr
from ui.products.images import ImageCache

Index = QModelIndex | QPersistentModelIndex
MIME = "application/x-livedesk-product-id"
RowRole = Qt.ItemDataRole.UserRole + 1
ImageRole = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True, slots=True)
class Row:
    product: m.Product
    position: int  # 1-based, as typed in a run order
    price: str
    detail: str  # "库存 320 · 已售 12"
    explaining: bool
    held: bool
    flash_price: str | None = None


def _stock_text(p: m.Product) -> str:
    """「库存 320 · 已售 12」, or with units reserved for a promotion (库存冻结) what is for sale
    and what is held: 「可售 300 · 冻结 20 · 已售 12」."""
    if p.reserved:
        return tr("可售 {free} · 冻结 {reserved} · 已售 {sold}").format(
            free=p.stock - p.reserved, reserved=p.reserved, sold=p.sold
        )
    return tr("库存 {stock} · 已售 {sold}").format(stock=p.stock, sold=p.sold)


class QueueModel(QAbstractListModel):
    move_requested = Signal(str, int)  # product id, index it should end at

    def __init__(self, images: ImageCache | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.images = images
        self._rows: list[Row] = []
        self._row_of: dict[str, int] = {}
        if images is not None:
            images.loaded.connect(self._image_loaded)

    # --- feeding -----------------------------------------------------------------------------
    def set_rows(
        self,
        products: Sequence[m.Product],
        explaining: str | None,
        held: str | None,
        flash_prices: dict[str, int] | None = None,
        currency: str = m.DEFAULT_CURRENCY,
    ) -> None:
        flash_prices = flash_prices or {}
        rows = [
            Row(
                p,
                i + 1,
                money(p.price_cents, currency),
                _stock_text(p),
                p.id == explaining,
                p.id == held,
                money(flash_prices[p.id], currency) if p.id in flash_prices else None,
            )
            for i, p in enumerate(products)
        ]
        same_order = [r.product.id for r in rows] == [r.product.id for r in self._rows]
        if same_order:
            changed = [i for i, (a, b) in enumerate(zip(self._rows, rows, strict=True)) if a != b]
            self._rows = rows
            if changed:
                self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [
            self._rows[i.row()].product.id if i.row() < len(self._rows) else None for i in old
        ]
        self._rows = rows
        self._row_of = {r.product.id: i for i, r in enumerate(rows)}
        new = [
            self.index(self._row_of[pid]) if pid in self._row_of else QModelIndex()
            for pid in old_ids
        ]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def _image_loaded(self, url: str) -> None:
        for i, row in enumerate(self._rows):
            if row.product.image_url == url:
                idx = self.index(i)
                self.dataChanged.emit(idx, idx, [ImageRole])

    # --- reading -----------------------------------------------------------------------------
    def row(self, i: int) -> Row:
        return self._rows[i]

    def row_of(self, product_id: str) -> int:
        return self._row_of.get(product_id, -1)

    def ids(self) -> list[str]:
        return [r.product.id for r in self._rows]

    # --- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = index.row()
        if not 0 <= r < len(self._rows):
            return None
        row = self._rows[r]
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.product.title
        if role == ImageRole:
            return self.images.get(row.product.image_url) if self.images is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join([row.product.title, *row.product.selling_points])
        return None

    # --- drag to reorder -----------------------------------------------------------------------
    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        valid = [i for i in indexes if i.isValid()]
        if valid:
            data.setData(MIME, QByteArray(self._rows[valid[0].row()].product.id.encode()))
        return data

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        return data.hasFormat(MIME)

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """The view's drop: ``row`` is the gap it was dropped into (or the row dropped on)."""
        if not data.hasFormat(MIME):
            return False
        pid = bytes(data.data(MIME).data()).decode()
        src = self._row_of.get(pid)
        if src is None:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._rows)
        to_index = row - 1 if src < row else row
        if to_index != src:
            self.move_requested.emit(pid, to_index)
        return True

    def removeRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return False  # a move is applied by the platform's event, not by the view
