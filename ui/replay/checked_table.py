"""A replay table of things the file re-checks by itself (lotteries, quizzes): a row that does not
check out has its name and check columns in red, and is named in a red banner above the table —
explicit text, never only a colour or a tooltip. Banner lines are plain text (prizes and questions
are user text)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui import theme
from ui.marketing.lottery import FAILED_STYLE
from ui.replay.tables import Table


class CheckedTable(QWidget):
    """``rows`` of cells under ``headers``; ``alarms[i]`` is row i's banner line, or None when
    row i checks out. ``failed`` is how many rows did not."""

    def __init__(
        self,
        name: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[object]],
        alarms: Sequence[str | None],
        check_columns: Sequence[int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.alarm = QLabel(self)
        self.alarm.setObjectName(f"{name}Alarm")
        self.alarm.setTextFormat(Qt.TextFormat.PlainText)
        self.alarm.setWordWrap(True)
        self.alarm.setStyleSheet(FAILED_STYLE)
        self.table = Table(headers, self)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.alarm)
        self.body.addWidget(self.table, 1)
        self.table.fill([list(r) for r in rows])
        red = QBrush(QColor(theme.DANGER))
        lines = []
        for row, line in enumerate(alarms):
            if line is None:
                continue
            lines.append(line)
            for col in (0, *check_columns):
                item = self.table.item(row, col)
                if item is not None:
                    item.setForeground(red)
        self.failed = len(lines)
        self.alarm.setText("\n".join(lines))
        self.alarm.setVisible(bool(lines))
