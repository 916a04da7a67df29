"""The replay window's 操作记录 tab: every operator's actions in the session — time, who (role),
what, before → after — with a filter by operator.

The rows come from :func:`app.session.actions.action_log` (read once, when the tab is made); the
filter only hides rows, so switching it costs no query. Cells are plain text (the table never
interprets HTML). After a live language switch :meth:`ActionLogTab.retranslate` says the rows,
headers and operator names again in the new language.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.session import actions
from app.session.actions import LoggedAction
from ui.i18n import tr
from ui.replay.tables import Table


def _key(role: str, token: str) -> str:
    return f"{role}\x1f{token}"


class ActionLogTab(QWidget):
    def __init__(self, entries: Sequence[LoggedAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries = list(entries)
        self.table = Table(list(actions.HEADERS), self)
        self.table.setColumnWidth(2, 260)
        self.who = QComboBox(self)
        self.who.setObjectName("action_log_operator")
        self.who_label = QLabel(self)
        self.who.currentIndexChanged.connect(self._filter)
        bar = QHBoxLayout()
        bar.addWidget(self.who_label)
        bar.addWidget(self.who)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.who_label.setText(tr("操作者"))
        self.table.setHorizontalHeaderLabels(actions.headers(tr))
        self.table.retranslate()
        names = actions.operator_names(self.entries, tr)
        chosen = self.who.currentData()
        self.who.blockSignals(True)
        self.who.clear()
        self.who.addItem(tr("全部操作者"), None)
        for (role, token), name in names.items():
            self.who.addItem(name, _key(role, token))
        i = self.who.findData(chosen) if chosen is not None else 0
        self.who.setCurrentIndex(max(0, i))
        self.who.blockSignals(False)
        self.table.fill([actions.cells(e, names, tr) for e in self.entries])
        self._filter()

    def _filter(self, *_: object) -> None:
        key = self.who.currentData()
        for row, e in enumerate(self.entries):
            self.table.setRowHidden(row, key is not None and _key(*e.operator) != key)
