"""The replay's drill report tab (演练报告): each fault a drill injected during the session
(app/drill, rebuilt from the recording by ``SessionFile.drill_results``) — when it was injected,
how long LiveDesk took to notice and how, what it did by itself, what the operator did, when it
saw the fault gone, and how long viewers saw a broken picture. A fault LiveDesk missed (未发现)
is a row in red, and the summary above the table says how many were missed (explicit text,
never only a colour). Shown only for a file with a drill in it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout, QWidget

from app.drill.report import COLUMNS, FaultResult, rows, summary
from app.format import time_of_day
from ui import theme
from ui.replay.tables import Table

#: the report's widest column (自动处理: switched, then back): it takes the room left
AUTO_COLUMN = 4


def fit_report_table(table: Table) -> None:
    """Every column as wide as its text, the automatic actions taking the rest (none clipped
    at a console's width; a cell's whole text is also its tooltip)."""
    head = table.horizontalHeader()
    head.setStretchLastSection(False)
    for c in range(table.columnCount()):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if c == AUTO_COLUMN
            else QHeaderView.ResizeMode.ResizeToContents
        )
        head.setSectionResizeMode(c, mode)
    for r in range(table.rowCount()):
        for c in range(table.columnCount()):
            item = table.item(r, c)
            if item is not None:
                item.setToolTip(item.text())


class DrillTab(QWidget):
    def __init__(self, results: Sequence[FaultResult], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results = list(results)
        self.missed = sum(1 for r in self.results if r.missed)
        self.summary = QLabel(summary(self.results), self)
        self.summary.setObjectName("drillSummary")
        self.summary.setWordWrap(True)
        colour = theme.DANGER if self.missed else theme.OK
        self.summary.setStyleSheet(theme.text_style(colour, bold=True))
        self.table = Table(COLUMNS, self)
        self.table.fill(rows(self.results, clock_text=time_of_day))
        fit_report_table(self.table)
        for i, r in enumerate(self.results):
            if r.missed:
                for c in range(self.table.columnCount()):
                    item = self.table.item(i, c)
                    if item is not None:
                        item.setForeground(QColor(theme.DANGER))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
