"""Table headers stay whole in every language: :func:`fit_headers` widens each column that is
narrower than its header text needs (never narrows one), so "Peak online" or "Quantity" is not
cut to "Peak onlin" / "uanti" by widths tuned for two Chinese characters. Call it after setting
column widths and after a language switch."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView


def fit_headers(view: QTableView) -> None:
    header = view.horizontalHeader()
    model = view.model()
    if model is None:
        return
    for col in range(model.columnCount()):
        if header.isSectionHidden(col):
            continue
        text = model.headerData(col, Qt.Orientation.Horizontal)
        if not text:
            continue
        need = header.sectionSizeHint(col)
        if view.columnWidth(col) < need:
            view.setColumnWidth(col, need)
