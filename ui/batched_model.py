"""The batched, bounded item-model pattern shared by the high-rate feeds (chat, orders).

Arrivals are appended to a pending list (cheap, any rate); a timer flushes them at most
``flush_hz`` times a second (never above 30 Hz) with ONE beginInsertRows per flush and ONE
beginRemoveRows for what overflows the cap. Each model is one derived view: its ``accept``
predicate filters at ingest, never the history. Subclasses implement ``data()`` as a cheap lookup
and may override :meth:`_take_pending` (e.g. to update rows in place instead of appending).

A table model: list views use column 0; table views get ``columnCount`` columns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QTimer,
    Signal,
)

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


class BatchedModel(QAbstractTableModel, Generic[T]):
    #: (rows inserted, rows removed from the top, flush duration in ms) after each flush
    flushed = Signal(int, int, float)

    def __init__(
        self,
        capacity: int = 20_000,
        *,
        accept: Callable[[T], bool] | None = None,
        flush_hz: float = 10.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self.accept = accept
        self._rows: list[T] = []
        self._pending: list[T] = []
        self.removed_total = 0  # rows ever dropped from the top (absolute row = this + row)
        self._timer = QTimer(self)
        self._timer.setInterval(max(33, int(1000 / flush_hz)))  # never above 30 Hz
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    # --- feeding -----------------------------------------------------------------------------
    def add(self, items: Sequence[T]) -> None:
        """Queue arrivals (called per platform batch); they show at the next flush."""
        accept = self.accept
        if accept is None:
            self._pending.extend(items)
        else:
            self._pending.extend(item for item in items if accept(item))
        if len(self._pending) > 2 * self.capacity:  # flushes stalled: keep only what could show
            del self._pending[: -self.capacity]

    def reset_to(self, items: Iterable[T]) -> None:
        """Replace the whole content (a new filter, a reconnect): one reset, not a flood."""
        accept = self.accept
        kept = [item for item in items if accept is None or accept(item)][-self.capacity :]
        self.beginResetModel()
        self.removed_total += len(self._rows)
        self._rows = []
        self._pending = []
        self._reset_hook()
        self._rows = self._prepare_rows(kept)
        self.endResetModel()

    def _reset_hook(self) -> None:
        """Subclasses drop derived indexes here (called inside a model reset)."""

    def _prepare_rows(self, items: list[T]) -> list[T]:
        """Rows about to be appended (subclasses may index them); returns what to append."""
        return items

    def _take_pending(self) -> list[T]:
        """The pending arrivals to append as new rows (subclasses may update rows in place)."""
        pending = self._pending
        self._pending = []
        return pending

    def flush(self) -> None:
        if not self.pending_count:
            return
        t0 = time.perf_counter()
        pending = self._take_pending()
        if not pending:
            self.flushed.emit(0, 0, (time.perf_counter() - t0) * 1000)
            return
        if len(pending) > self.capacity:
            pending = pending[-self.capacity :]
        overflow = len(self._rows) + len(pending) - self.capacity
        removed = 0
        if overflow > 0:
            removed = min(overflow, len(self._rows))
            self.beginRemoveRows(QModelIndex(), 0, removed - 1)
            del self._rows[:removed]
            self.removed_total += removed
            self.endRemoveRows()
        first = len(self._rows)
        pending = self._prepare_rows(pending)
        self.beginInsertRows(QModelIndex(), first, first + len(pending) - 1)
        self._rows.extend(pending)
        self.endInsertRows()
        self.flushed.emit(len(pending), removed, (time.perf_counter() - t0) * 1000)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    # --- Qt model ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 1
