"""The replay's drill report tab (演练报告): each fault a drill injected during the session
(app/drill, rebuilt from the recording by ``SessionFile.drill_results``) — when it was injected,
how long LiveDesk took to notice and how, what it did by itself, what the operator did, when it
saw the fault gone, and how long viewers saw a broken picture. A fault LiveDesk missed (未发现)
is a row in red, and the summary above the table says how many were missed (explicit text,
never only a colour). Shown only for a file with a drill in it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.drill.report import COLUMNS, FaultResult, rows, summary
from app.format import time_of_day
from ui import theme
from ui.replay.tables import Table


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
