"""Keyword highlight rules for the comments panel: keyword → row colour, first match wins."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QColorDialog,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.settings import DEFAULT_HIGHLIGHT, HighlightRule
from ui.i18n import tr


class HighlightRulesDialog(QDialog):
    """Edits a copy of the rules; :meth:`rules` gives the result (blank keywords dropped)."""

    def __init__(self, rules: Sequence[HighlightRule], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("highlightRulesDialog")
        self.setWindowTitle(tr("关键词高亮规则"))
        hint = QLabel(tr("评论包含关键词时整行标上颜色；多条规则命中时用最上面的一条。"), self)
        hint.setWordWrap(True)
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels([tr("关键词"), tr("颜色")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._colours: list[str] = []
        for rule in rules:
            self.add_rule(rule.keyword, rule.colour)
        add = QPushButton(tr("添加规则"), self)
        add.clicked.connect(lambda: self.add_rule("", DEFAULT_HIGHLIGHT, edit=True))
        remove = QPushButton(tr("删除选中"), self)
        remove.clicked.connect(self.remove_selected)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(420, 360)

    def add_rule(self, keyword: str, colour: str, *, edit: bool = False) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        word = QTableWidgetItem(keyword)
        self.table.setItem(row, 0, word)
        self._colours.append(QColor(colour).name())
        button = QPushButton(self.table)
        button.setObjectName(f"highlightColour{row}")
        button.clicked.connect(lambda _c=False, b=button: self._pick(self._row_of(b)))
        self.table.setCellWidget(row, 1, button)
        self._paint_button(row)
        if edit:
            self.table.setCurrentCell(row, 0)
            self.table.editItem(word)
        return row

    def _row_of(self, button: QWidget) -> int:
        for row in range(self.table.rowCount()):
            if self.table.cellWidget(row, 1) is button:
                return row
        return -1

    def set_colour(self, row: int, colour: str) -> None:
        self._colours[row] = QColor(colour).name()
        self._paint_button(row)

    def _paint_button(self, row: int) -> None:
        button = self.table.cellWidget(row, 1)
        colour = self._colours[row]
        if isinstance(button, QPushButton):
            button.setText(colour)
            button.setStyleSheet(f"background: {colour}; padding: 2px 10px;")

    def _pick(self, row: int) -> None:
        if row < 0:
            return
        chosen = QColorDialog.getColor(QColor(self._colours[row]), self, tr("选择颜色"))
        if chosen.isValid():
            self.set_colour(row, chosen.name())

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            self.table.removeRow(row)
            del self._colours[row]

    def rules(self) -> list[HighlightRule]:
        out: list[HighlightRule] = []
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            word = item.text().strip()[:40] if item is not None else ""
            if word:
                out.append(HighlightRule(keyword=word, colour=self._colours[row]))
        return out
