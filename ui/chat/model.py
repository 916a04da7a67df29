"""A bounded chat model that takes arrivals in batches on a timer.

Pattern after Chatterino: arrivals are appended to a pending list (cheap, any rate); a timer
flushes them at most ``flush_hz`` times a second with ONE beginInsertRows per flush and ONE
beginRemoveRows for what overflows the cap. ``data()`` is a tuple lookup, no formatting.
Each model is one derived view: its ``accept`` predicate filters at ingest, never the history.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from app.live.room import ChatLine

LineRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class ChatModel(QAbstractListModel):
    #: (rows inserted, rows removed from the top, flush duration in ms) after each flush
    flushed = Signal(int, int, float)

    def __init__(
        self,
        capacity: int = 20_000,
        *,
        accept: Callable[[ChatLine], bool] | None = None,
        flush_hz: float = 10.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self.accept = accept
        self._rows: list[ChatLine] = []
        self._pending: list[ChatLine] = []
        self._timer = QTimer(self)
        self._timer.setInterval(max(33, int(1000 / flush_hz)))  # never above 30 Hz
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    # --- feeding -----------------------------------------------------------------------------
    def add(self, lines: Sequence[ChatLine]) -> None:
        """Queue arrivals (called per platform batch); they show at the next flush."""
        accept = self.accept
        if accept is None:
            self._pending.extend(lines)
        else:
            self._pending.extend(line for line in lines if accept(line))
        if len(self._pending) > 2 * self.capacity:  # flushes stalled: keep only what could show
            del self._pending[: -self.capacity]

    def reset_to(self, lines: Iterable[ChatLine]) -> None:
        """Replace the whole content (a new filter, a reconnect): one reset, not a flood."""
        accept = self.accept
        kept = [line for line in lines if accept is None or accept(line)][-self.capacity :]
        self.beginResetModel()
        self._rows = kept
        self._pending = []
        self.endResetModel()

    def flush(self) -> None:
        pending = self._pending
        if not pending:
            return
        t0 = time.perf_counter()
        self._pending = []
        if len(pending) > self.capacity:
            pending = pending[-self.capacity :]
        overflow = len(self._rows) + len(pending) - self.capacity
        removed = 0
        if overflow > 0:
            removed = min(overflow, len(self._rows))
            self.beginRemoveRows(QModelIndex(), 0, removed - 1)
            del self._rows[:removed]
            self.endRemoveRows()
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(pending) - 1)
        self._rows.extend(pending)
        self.endInsertRows()
        self.flushed.emit(len(pending), removed, (time.perf_counter() - t0) * 1000)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def line(self, row: int) -> ChatLine:
        return self._rows[row]

    # --- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        line = self._rows[row]
        if role == LineRole:
            return line
        if role == Qt.ItemDataRole.DisplayRole:
            return line.text
        if role == Qt.ItemDataRole.ToolTipRole:
            # Qt guesses rich text in tooltips: force rich text and escape, so text stays literal
            return f"<qt>{html.escape(line.nickname)}: {html.escape(line.text)}</qt>"
        return None
