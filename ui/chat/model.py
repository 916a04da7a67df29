"""A bounded chat model that takes arrivals in batches on a timer.

Pattern after Chatterino: arrivals are appended to a pending list (cheap, any rate); a timer
flushes them at most ``flush_hz`` times a second with ONE beginInsertRows per flush and ONE
beginRemoveRows for what overflows the cap. ``data()`` is a tuple lookup, no formatting.
Each model is one derived view: its ``accept`` predicate filters at ingest, never the history.
The batching itself lives in :class:`ui.batched_model.BatchedModel` (shared with the orders feed).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from app.live.room import ChatLine
from ui.batched_model import BatchedModel

LineRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


class ChatModel(BatchedModel[ChatLine]):
    def line(self, row: int) -> ChatLine:
        return self._rows[row]

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
