"""Small read-only tables for the replay window. Cells are plain text (QTableWidgetItem never
interprets HTML), so nicknames and comment text are shown exactly as sent."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.session.attribution import ExplainWindow, ProductRow
from app.session.columns import EXPLAIN_HEADERS, PRODUCT_HEADERS, explain_cells, product_cells
from ui.headers import fit_headers
from ui.i18n import tr

#: a column widened to its values at the first fill grows at most this much (long titles elide)
MAX_FITTED_WIDTH = 320


class Table(QTableWidget):
    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels([tr(h) for h in headers])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.setWordWrap(False)
        self._fitted = False
        fit_headers(self)

    def setColumnWidth(self, column: int, width: int) -> None:
        """Never narrower than the header text (ui/headers.py): English headers stay whole."""
        super().setColumnWidth(column, max(width, self.horizontalHeader().sectionSizeHint(column)))

    def retranslate(self) -> None:
        """After a live language switch (ui/i18n.py): widen columns the new headers need."""
        fit_headers(self)

    def fill(self, rows: Sequence[Sequence[object]]) -> None:
        self.setUpdatesEnabled(False)
        self.setSortingEnabled(False)
        self.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem()
                if isinstance(value, int | float) and not isinstance(value, bool):
                    item.setData(Qt.ItemDataRole.DisplayRole, value)
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                else:
                    item.setText("" if value is None else str(value))
                self.setItem(r, c, item)
        if rows and not self._fitted:  # the first rows: no column cuts its values short (once:
            self._fitted = True  # later fills keep what the operator dragged)
            for c in range(self.columnCount() - 1):  # the last one stretches
                if self.columnWidth(c) < MAX_FITTED_WIDTH:
                    fitted = min(MAX_FITTED_WIDTH, self.sizeHintForColumn(c) + 12)
                    self.setColumnWidth(c, max(self.columnWidth(c), fitted))
        self.setUpdatesEnabled(True)


class ProductTable(Table):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(PRODUCT_HEADERS, parent)
        self.setColumnWidth(0, 220)

    def set_rows(self, rows: Sequence[ProductRow], currency: str = "CNY") -> None:
        self.fill([product_cells(r, currency) for r in rows])


class ExplainTable(Table):
    """讲解记录: one row per explain window, in time order."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(EXPLAIN_HEADERS, parent)
        self.setColumnWidth(0, 220)

    def set_rows(self, rows: Sequence[ExplainWindow], currency: str = "CNY") -> None:
        self.fill([explain_cells(w, currency) for w in rows])
