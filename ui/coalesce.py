"""Run a refresh at most a few times a second however often its inputs change.

The live stream changes state on every batch (up to ~50 a second: stock ticks, metrics). Labels
and lists redrawn that often cost a core on painting and relayouts, and nobody reads faster than a
few updates a second. :class:`Coalescer` runs the refresh at once when it has been quiet, and at
most once per interval while changes keep coming — the last change is always shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class Coalescer(QObject):
    """``request()`` runs ``fn`` now if it has not run within ``interval_ms``, else once at the
    end of that interval; ``now()`` runs it at once (for what an operator is waiting to see)."""

    def __init__(self, fn: Callable[[], None], interval_ms: int, parent: QObject) -> None:
        super().__init__(parent)
        self._fn = fn
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._due)

    def request(self) -> None:
        if self._timer.isActive():
            self._dirty = True
            return
        self.now()

    def now(self) -> None:
        self._dirty = False
        self._timer.start()
        self._fn()

    def _due(self) -> None:
        if self._dirty:
            self.now()
